//! Where a product's grants live, by its domain's catalog mode (Lake Formation lets only the
//! account that owns a catalog resource grant on it to other accounts' principals):
//! - `central`: a mirror of the product's tables in the governance account's Glue catalog, one
//!   database per product ([`mirror_database`]), granted on by the governance account;
//! - `producer`: the producer's own catalog and database, granted on in the producer's account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where the grants on a domain's products live (see the README's "Catalog modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CatalogMode {
    /// meshgov mirrors the product tables into the governance account's catalog and grants there.
    Central,
    /// meshgov grants in the producer's own catalog, through the domain's grant role.
    Producer,
}

impl CatalogMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogMode::Central => "central",
            CatalogMode::Producer => "producer",
        }
    }
}

/// The Lake Formation a grant is made in: the governance account's own (central mode), or a
/// producer's, through the domain's grant role (producer mode).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LfAccount {
    Governance,
    Producer { domain: String, account_id: String, role_arn: String, external_id: String },
}

/// The catalog and database a product's grants name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantTarget {
    pub catalog_id: String,
    pub database: String,
}

/// The governance account's database mirroring product `product` of domain `domain`: predictable,
/// and within Glue's naming rules (lower case letters, digits and `_`; slugs give nothing else).
pub fn mirror_database(domain: &str, product: &str) -> String {
    format!("{}__{}", domain.replace('-', "_"), product.replace('-', "_"))
}

/// A product and where it lives, enough to say where its grants go.
pub struct ProductPlace<'a> {
    pub mode: CatalogMode,
    pub domain: &'a str,
    pub product: &'a str,
    pub producer_account: &'a str,
    pub source_database: &'a str,
}

impl ProductPlace<'_> {
    pub fn grant_target(&self, governance_account: &str) -> GrantTarget {
        match self.mode {
            CatalogMode::Central => {
                GrantTarget { catalog_id: governance_account.to_string(), database: mirror_database(self.domain, self.product) }
            }
            CatalogMode::Producer => {
                GrantTarget { catalog_id: self.producer_account.to_string(), database: self.source_database.to_string() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_go_to_the_mirror_or_the_producer() {
        let place = |mode| ProductPlace {
            mode,
            domain: "supply-chain",
            product: "stock-levels",
            producer_account: "111122223333",
            source_database: "inventory",
        };
        assert_eq!(
            place(CatalogMode::Central).grant_target("999988887777"),
            GrantTarget { catalog_id: "999988887777".into(), database: "supply_chain__stock_levels".into() }
        );
        assert_eq!(
            place(CatalogMode::Producer).grant_target("999988887777"),
            GrantTarget { catalog_id: "111122223333".into(), database: "inventory".into() }
        );
    }
}
