//! How many requests this replica is answering right now: background work that can wait (the AWS
//! event intake) gives way to them, and `/metrics` reports it (`http_requests_in_flight`).

use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct InFlight(AtomicUsize);

impl InFlight {
    /// Counts a request until the returned guard is dropped (answered, failed, or abandoned by a
    /// client that went away).
    pub fn enter(&self) -> Entered<'_> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Entered(self)
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

pub struct Entered<'a>(&'a InFlight);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_counts_until_its_guard_goes() {
        let in_flight = InFlight::default();
        let first = in_flight.enter();
        {
            let _second = in_flight.enter();
            assert_eq!(in_flight.count(), 2);
        }
        assert_eq!(in_flight.count(), 1);
        drop(first);
        assert_eq!(in_flight.count(), 0);
    }
}
