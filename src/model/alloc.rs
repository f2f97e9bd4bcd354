//! Keep freed activation memory in the process instead of returning it to
//! the operating system (glibc only; a no-op elsewhere).
//!
//! A forward / backward pass allocates and frees the same large activation
//! arrays (up to `B*N x C` floats, tens of MB) every step. With glibc's
//! defaults, blocks above the mmap threshold are fresh `mmap`s and the top of
//! the heap is trimmed after frees, so every step pays page faults and page
//! clearing for memory it just released: a third of a training step's CPU
//! time went to the kernel. Raising the mmap threshold to its maximum (32 MB)
//! and disabling trimming makes freed blocks reusable by the next step. The
//! process keeps its high-water mark, which it reaches every step anyway.
//!
//! One arena for all threads: glibc gives threads that contend for the
//! main arena arenas of their own, made of 64 MB heaps that it maps and
//! unmaps as training's large blocks come and go (ten training steps created
//! and deleted 284 of them), so their pages were faulted in again and again
//! (1.7-2.2 M page faults for 480 shapes, 0.17 M with one arena; see
//! docs/PERFORMANCE.md). The main arena grows by `brk` and, untrimmed, keeps
//! its pages.

/// Apply the allocator settings once per process, best before other threads
/// allocate (an arena a thread already uses stays its own).
pub fn retain_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            const M_TRIM_THRESHOLD: i32 = -1;
            const M_MMAP_THRESHOLD: i32 = -3;
            const M_ARENA_MAX: i32 = -8;
            extern "C" {
                fn mallopt(param: i32, value: i32) -> i32;
            }
            // SAFETY: mallopt only changes glibc malloc tunables; any value is
            // accepted or rejected (return 0) without side effects on memory
            // already allocated.
            unsafe {
                mallopt(M_MMAP_THRESHOLD, 32 << 20);
                mallopt(M_TRIM_THRESHOLD, i32::MAX);
                mallopt(M_ARENA_MAX, 1);
            }
        });
    }
}
