//! Exact version comparators for the package ecosystems kvet matches vulnerabilities in.
//!
//! "Is installed version V inside this advisory's range" is only as right as the version
//! Each module reproduces one ecosystem's own implementation and is tested differentially
//! against it (see `tests/`), on thousands of real and generated version pairs.
//!
//! Every `compare` is total: it accepts any string, never panics, and orders strings the
//! ecosystem rejects in a documented, deterministic way (usually: before every valid version,
//! bytewise among themselves). `is_valid` says whether the ecosystem's own tool accepts a
//! string. Nothing here allocates more than a few copies of its input or does I/O.
//!
//! [`Scheme`] ties OSV ecosystem names (`Debian:12`, `PyPI`, `Alpine:v3.18`, …) to the right
//! comparator.

pub mod apk;
pub mod cargo;
pub mod composer;
mod digits;
pub mod dpkg;
pub mod golang;
pub mod maven;
pub mod npm;
pub mod nuget;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
mod scheme;

pub use scheme::Scheme;
