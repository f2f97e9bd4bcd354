//! SIGINT and SIGTERM for the whole binary: one handler, installed at start
//! ([`install`]). Outside training a signal removes the temporary files of
//! the outputs being written ([`remove_pending_temp_files`]) and exits with
//! 128 + the signal number (130 for SIGINT, 143 for SIGTERM), so an existing
//! output keeps its previous content and no `.tmp` file is left. While a
//! training run is routed here ([`training`]) the first signal asks the
//! trainer to stop after the current batch and write its checkpoint, a
//! second one is only acknowledged (the checkpoint being written is kept)
//! and a third aborts.
//!
//! The operating-system handler only writes the signal number to a pipe
//! (async-signal-safe); a dedicated thread reads it and acts. (The `ctrlc`
//! crate cannot tell SIGINT from SIGTERM, which the exit codes need.)

use pcseg::io::atomic::remove_pending_temp_files;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Write end of the signal pipe (-1 before [`install`]).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);
/// The first signal received (0: none).
static FIRST: AtomicI32 = AtomicI32::new(0);
/// The training run signals are routed to, if any.
static TRAINING: Mutex<Option<Training>> = Mutex::new(None);

struct Training {
    stop: Arc<AtomicBool>,
    quiet: bool,
    received: usize,
    bar: Option<indicatif::ProgressBar>,
}

fn training_slot() -> MutexGuard<'static, Option<Training>> {
    TRAINING.lock().unwrap_or_else(|e| e.into_inner())
}

extern "C" fn on_signal(signal: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Relaxed);
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; errno is saved and restored so
    // the interrupted code does not see it change.
    unsafe {
        let errno = errno_location();
        let saved = errno.map(|e| *e);
        libc::write(fd, (&byte as *const u8).cast(), 1);
        if let (Some(e), Some(v)) = (errno, saved) {
            *e = v;
        }
    }
}

#[cfg(target_os = "linux")]
unsafe fn errno_location() -> Option<*mut libc::c_int> {
    Some(libc::__errno_location())
}

#[cfg(not(target_os = "linux"))]
unsafe fn errno_location() -> Option<*mut libc::c_int> {
    None
}

/// Install the handler for SIGINT and SIGTERM (once, at start).
pub fn install() -> std::io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) returns.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    for fd in fds {
        // SAFETY: fd is a descriptor just returned by pipe(2).
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    WRITE_FD.store(fds[1], Ordering::SeqCst);
    let read_fd = fds[0];
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            let mut byte = 0u8;
            // SAFETY: reads one byte into `byte` from our own pipe.
            let n = unsafe { libc::read(read_fd, (&mut byte as *mut u8).cast(), 1) };
            if n == 1 {
                handle(i32::from(byte));
            } else if n == 0
                || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                return;
            }
        })?;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with a valid handler and an empty mask
        // is a well-formed argument to sigaction(2).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

/// Act on `signal` (on the signal thread).
fn handle(signal: i32) {
    let _ = FIRST.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    let mut slot = training_slot();
    let Some(t) = slot.as_mut() else {
        exit_now(signal);
    };
    t.received += 1;
    let message = match t.received {
        1 => {
            t.stop.store(true, Ordering::SeqCst);
            format!(
                "interrupted ({}): finishing the current batch, then writing the checkpoint (interrupt twice more to abort)",
                signal_name(signal)
            )
        }
        2 => "interrupted again: still finishing the batch and writing the checkpoint (once more aborts)".into(),
        _ => exit_now(signal),
    };
    if t.quiet {
        return;
    }
    match &t.bar {
        Some(bar) => bar.suspend(|| eprintln!("{message}")),
        None => eprintln!("{message}"),
    }
}

/// Remove the outputs' temporary files and exit with 128 + `signal`.
fn exit_now(signal: i32) -> ! {
    remove_pending_temp_files();
    std::process::exit(128 + signal)
}

/// Route signals to a training run from now on: the returned flag is set by
/// the first signal (the trainer polls it after every batch).
pub fn training(quiet: bool) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    *training_slot() = Some(Training {
        stop: stop.clone(),
        quiet,
        received: 0,
        bar: None,
    });
    stop
}

/// The progress bar messages about signals are printed above (training).
pub fn set_bar(bar: Option<indicatif::ProgressBar>) {
    if let Some(t) = training_slot().as_mut() {
        t.bar = bar;
    }
}

/// 128 + the first signal received, if one was.
pub fn exit_code() -> Option<u8> {
    match FIRST.load(Ordering::SeqCst) {
        0 => None,
        s => u8::try_from(128 + s).ok(),
    }
}
