//! Who really uses what: Lake Formation records every vending of credentials to an engine as a
//! CloudTrail `GetDataAccess` event in the account that owns the table (the governance account for
//! central-mode mirrors, the producer's in producer mode). An EventBridge rule of each holder
//! forwards them to the governance bus and its queue; meshgov attributes each to the live
//! subscriptions whose grants covered the table and keeps, per subscription, the last use, the
//! uses of the last 30 days and the engines seen.

pub mod model;
pub mod service;
pub mod store;
