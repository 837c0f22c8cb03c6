//! Fitting a scan to the memory it may use.
//!
//! Under an address-space limit (`ulimit -v`, RLIMIT_AS) two things used to end a scan: glibc
//! reserves 64 MiB of address space for each thread's malloc arena, so the walker's threads
//! alone could exhaust a 100 MB limit, after which every small allocation failed and the
//! process aborted; and each thread kept a read buffer as large as the largest file it had
//! read, while a file over 64 MiB was read in several 16 MiB chunks at once. Now, when such a
//! limit is set, [`share_malloc_arenas`] keeps malloc to as few arenas as the limit affords,
//! and [`fit`] chooses how many files to read at once and how large the chunks are from what
//! the limit leaves. Without a limit nothing changes.

use crate::scan::ScanOptions;

const MIB: u64 = 1024 * 1024;

/// Address space the process itself needs besides the files it reads: the binary, the rules'
/// compiled automata, findings, the report.
const RESERVE: u64 = 48 * MIB;
/// Per reading thread besides its buffer: its stack and the matcher's scratch space.
const PER_THREAD: u64 = 6 * MIB;
/// The smallest chunk a large file is read in.
const MIN_CHUNK: u64 = 2 * MIB;

/// The soft address-space limit (RLIMIT_AS) in bytes, or `None` when there is none.
pub fn address_space_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` through a valid pointer and reads nothing else.
        let status = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) };
        if status != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
            return None;
        }
        // rlim_t is u64 on Linux and macOS, narrower on some other Unixes.
        #[allow(clippy::unnecessary_cast)]
        Some(limit.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Address space in use now (Linux: /proc/self/statm), or a guess where that cannot be read.
fn address_space_in_use() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(32 * MIB, |pages| pages * 4096)
}

/// With an address-space limit, lets all threads share as few malloc arenas as it affords (one
/// per 512 MiB, at most 8) instead of one 64 MiB reservation per thread. Call it before any
/// thread starts; it does nothing without a limit or outside glibc.
pub fn share_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if let Some(limit) = address_space_limit() {
        let arenas = (limit / (512 * MIB)).clamp(1, 8) as libc::c_int;
        // SAFETY: mallopt only sets a malloc parameter; M_ARENA_MAX takes any positive count.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// What a scan may use at once: how many files it reads in parallel and how many chunks of
/// one large file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fitted {
    /// Walker threads (never 0).
    pub threads: usize,
    /// Chunks of one large file scanned at once.
    pub parallel_chunks: usize,
}

/// Shrinks `options` to what an address-space limit leaves (nothing changes without one):
/// fewer walker threads, each allowed a buffer the size of the largest file it reads whole;
/// smaller chunks, fewer at once, and a lower size from which a file is read in chunks.
pub fn fit(options: &mut ScanOptions) -> Fitted {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let requested = if options.walk.threads == 0 {
        cores.min(12)
    } else {
        options.walk.threads
    };
    let unlimited = Fitted {
        threads: requested,
        parallel_chunks: cores.clamp(1, 4),
    };
    let Some(limit) = address_space_limit() else {
        return unlimited;
    };
    fit_to(options, limit, address_space_in_use(), unlimited)
}

fn fit_to(options: &mut ScanOptions, limit: u64, in_use: u64, wanted: Fitted) -> Fitted {
    let free = limit.saturating_sub(in_use).saturating_sub(RESERVE);
    let chunking = &mut options.chunking;
    // A large file: chunks of at most an eighth of what is free, one at a time when that is
    // all there is room for.
    let chunk = (free / 8).clamp(MIN_CHUNK, chunking.size as u64);
    chunking.size = chunk as usize;
    chunking.overlap = chunking.overlap.min(chunking.size / 4);
    let parallel_chunks = ((free / 3) / chunk.max(1)).clamp(1, wanted.parallel_chunks as u64);
    // Files read whole: a thread's buffer grows to the largest one (and to twice that while
    // transcoding UTF-16), so no more of them than fit at once; files above that are chunked.
    let whole = chunking.from.min(options.max_file_size).max(chunk);
    let per_thread = 2 * whole + PER_THREAD;
    let mut threads = (free / per_thread) as usize;
    if threads == 0 {
        // Not even one whole-file buffer fits: read in chunks from a smaller size instead.
        chunking.from = chunking.from.min((free / 4).max(chunk));
        threads = 1;
    }
    Fitted {
        threads: threads.clamp(1, wanted.threads.max(1)),
        parallel_chunks: parallel_chunks as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit_in(limit_mib: u64) -> (ScanOptions, Fitted) {
        let mut options = ScanOptions::default();
        let wanted = Fitted {
            threads: 8,
            parallel_chunks: 4,
        };
        let fitted = fit_to(&mut options, limit_mib * MIB, 20 * MIB, wanted);
        (options, fitted)
    }

    #[test]
    fn plenty_of_memory_changes_nothing() {
        let (options, fitted) = fit_in(64 * 1024);
        assert_eq!(options.chunking, crate::scan::Chunking::default());
        assert_eq!(fitted.threads, 8);
        assert_eq!(fitted.parallel_chunks, 4);
    }

    #[test]
    fn a_small_limit_reads_one_file_at_a_time_in_small_chunks() {
        let (options, fitted) = fit_in(100);
        assert_eq!(fitted.threads, 1);
        assert!(fitted.parallel_chunks <= 2, "{fitted:?}");
        assert!(options.chunking.size <= 4 * MIB as usize, "{options:?}");
        assert!(options.chunking.from <= 16 * MIB, "{options:?}");
        assert!(options.chunking.overlap * 4 <= options.chunking.size);

        let (options, fitted) = fit_in(200);
        assert!(fitted.threads <= 2, "{fitted:?}");
        assert!(options.chunking.size <= 16 * MIB as usize);
    }

    #[test]
    fn the_limit_is_read() {
        // Unlimited in the test environment, or some positive number: never zero.
        assert_ne!(address_space_limit(), Some(0));
    }
}
