//! Where log lines go: stderr, written in batches.
//!
//! Written straight to stderr, every request's access line was a system call on the request's own
//! path; a writer thread fed through a channel cost as much again in wake-ups. Lines are instead
//! appended to a buffer that is written out when it fills, every `FLUSH_EVERY`, at once for
//! warnings and errors (an operator reading them must not wait), and when the process ends.

use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

const FLUSH_EVERY: Duration = Duration::from_millis(100);
const BUFFER: usize = 64 * 1024;

/// The process' log writer.
pub type BatchedStderr = Batched<std::io::Stderr>;

pub struct Batched<W: Write> {
    buffer: Arc<Mutex<BufWriter<W>>>,
}

impl<W: Write> Clone for Batched<W> {
    fn clone(&self) -> Self {
        Batched { buffer: self.buffer.clone() }
    }
}

/// Writes what is buffered when dropped: keep it alive for as long as the process logs.
pub struct FlushOnDrop<W: Write>(Batched<W>);

impl BatchedStderr {
    /// The writer, and the guard that writes the last lines out. Starts the thread that writes
    /// the buffer every `FLUSH_EVERY`.
    pub fn start() -> (BatchedStderr, FlushOnDrop<std::io::Stderr>) {
        let writer = Batched::new(std::io::stderr());
        let ticking = writer.clone();
        std::thread::Builder::new()
            .name("meshgov-log-flush".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    ticking.flush();
                }
            })
            .expect("log flush thread");
        (writer.clone(), FlushOnDrop(writer))
    }
}

impl<W: Write> Batched<W> {
    fn new(out: W) -> Batched<W> {
        Batched { buffer: Arc::new(Mutex::new(BufWriter::with_capacity(BUFFER, out))) }
    }

    fn lock(&self) -> MutexGuard<'_, BufWriter<W>> {
        // A panic while holding the lock leaves whole lines in the buffer: still worth writing.
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flush(&self) {
        let mut buffer = self.lock();
        if !buffer.buffer().is_empty() {
            let _ = buffer.flush();
        }
    }
}

impl<W: Write> Drop for FlushOnDrop<W> {
    fn drop(&mut self) {
        self.0.flush();
    }
}

/// One event's line: tracing's formatter writes it whole, then drops the writer.
pub struct Line<'a, W: Write> {
    to: &'a Batched<W>,
    urgent: bool,
}

impl<W: Write> Write for Line<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.to.lock().write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.to.lock().flush()
    }
}

impl<W: Write> Drop for Line<'_, W> {
    fn drop(&mut self) {
        if self.urgent {
            self.to.flush();
        }
    }
}

impl<'a, W: Write + 'a> MakeWriter<'a> for Batched<W> {
    type Writer = Line<'a, W>;

    fn make_writer(&'a self) -> Line<'a, W> {
        Line { to: self, urgent: true }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a, W> {
        Line { to: self, urgent: *meta.level() <= Level::WARN }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink whose content the test can read while the writer owns it.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    struct Callsite;
    impl tracing::callsite::Callsite for Callsite {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &tracing::Metadata<'_> {
            unreachable!("never registered")
        }
    }
    static CALLSITE: Callsite = Callsite;

    /// Writes one line as an event of `level` would.
    fn line(writer: &Batched<Sink>, level: Level, text: &str) {
        let fields = tracing::field::FieldSet::new(&[], tracing::callsite::Identifier(&CALLSITE));
        let meta = tracing::Metadata::new("event", "test", level, None, None, None, fields, tracing::metadata::Kind::EVENT);
        writer.make_writer_for(&meta).write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn info_lines_wait_for_a_flush_warnings_are_written_at_once() {
        let sink = Sink::default();
        let writer = Batched::new(sink.clone());
        let guard = FlushOnDrop(writer.clone());
        line(&writer, Level::INFO, "request 1\n");
        line(&writer, Level::INFO, "request 2\n");
        assert_eq!(sink.text(), "", "access lines are batched");
        line(&writer, Level::WARN, "request failed\n");
        assert_eq!(sink.text(), "request 1\nrequest 2\nrequest failed\n", "a warning writes itself and what came before, in order");
        line(&writer, Level::INFO, "last\n");
        drop(guard);
        assert!(sink.text().ends_with("request failed\nlast\n"), "the guard writes the last lines");
    }
}
