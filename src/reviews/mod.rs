//! Access reviews and unused access: a domain may require every live subscription to its products
//! to be confirmed by one of its approvers periodically (`access_policy.review_every_days`), and
//! may flag or revoke subscriptions nobody uses (`unused_after_days`, from Lake Formation's data
//! access events, see `usage`). Reviews are due (reminders go through the event feed and webhooks),
//! then overdue, then, past the grace period, the subscription ends `expired` (`review_overdue`).
//! A review's id is its subscription's.

pub mod api;
pub mod model;
pub mod service;
pub(crate) mod store;
