//! Input: which files a scan visits and how their bytes are read — the walk ([`walk`], and the
//! laptop walk of [`laptop`]), git's index and history ([`git`]), zip archives ([`archive`]), the
//! text check and UTF-16 ([`text`]), and bounded reads of every file the user names as input
//! ([`files`]: vault exports, rule packs, configs, baselines, results).

pub mod archive;
pub mod files;
pub mod git;
pub mod laptop;
pub mod text;
pub mod walk;
