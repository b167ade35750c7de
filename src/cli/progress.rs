//! Progress bars on stderr for long transfers, only when stderr is a terminal (so
//! scripts, pipes and `--json` see nothing), and only for large inputs.

use std::io::{self, IsTerminal as _, Read, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Below this size a bar would only flicker.
const MIN_SIZE: u64 = 8 * 1024 * 1024;

/// A bar for `len` bytes (unknown when `None`), or a hidden one when stderr is not a
/// terminal, the transfer is small, or JSON output was asked for.
pub(crate) fn bar(what: &str, len: Option<u64>, json: bool) -> ProgressBar {
    let show = !json && io::stderr().is_terminal() && len.is_none_or(|l| l >= MIN_SIZE);
    if !show {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(l) => ProgressBar::with_draw_target(Some(l), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_message(what.to_owned());
    bar
}

/// A spinner for work whose size the command line cannot see (sealing, opening): it
/// ticks on its own until dropped or cleared. Hidden off terminals and under `--json`.
pub(crate) fn working(what: &str, json: bool) -> ProgressBar {
    if json || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
        ProgressStyle::with_template("{msg} {spinner} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(what.to_owned());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// A reader that advances a bar.
pub(crate) struct Reading<R> {
    pub inner: R,
    pub bar: ProgressBar,
}

impl<R: Read> Read for Reading<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// A writer that advances a bar.
pub(crate) struct Writing<W> {
    pub inner: W,
    pub bar: ProgressBar,
}

impl<W: Write> Write for Writing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
