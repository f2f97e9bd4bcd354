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

/// Apply the allocator settings once per process.
pub fn retain_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            const M_TRIM_THRESHOLD: i32 = -1;
            const M_MMAP_THRESHOLD: i32 = -3;
            extern "C" {
                fn mallopt(param: i32, value: i32) -> i32;
            }
            // SAFETY: mallopt only changes glibc malloc tunables; any value is
            // accepted or rejected (return 0) without side effects on memory
            // already allocated.
            unsafe {
                mallopt(M_MMAP_THRESHOLD, 32 << 20);
                mallopt(M_TRIM_THRESHOLD, i32::MAX);
            }
        });
    }
}
