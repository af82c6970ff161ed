//! What an event is about, spelled one way for every writer: the event feed, webhooks and the
//! `target` filter of `GET /audit` match on these strings.

use uuid::Uuid;

pub fn domain(slug: &str) -> String {
    format!("domain:{slug}")
}

pub fn product(domain: &str, product: &str) -> String {
    format!("product:{domain}/{product}")
}

pub fn subscription(id: Uuid) -> String {
    format!("subscription:{id}")
}

/// A Lake Formation principal, for what concerns no subscription (a permission granted by hand).
pub fn principal(principal: &str) -> String {
    format!("principal:{principal}")
}

pub fn webhook(id: Uuid) -> String {
    format!("webhook:{id}")
}

/// The drift check and its repair as a whole.
pub const DRIFT: &str = "drift";
