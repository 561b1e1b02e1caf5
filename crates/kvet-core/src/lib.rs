//! The vocabulary every kvet crate shares.
//!
//! Collectors produce inventories, analysers turn them into [`Finding`]s, and every output
//! format, filter, whitelist and score works on that one type. Keeping it here (and free of
//! any I/O beyond reading the ignore file) is what lets each analyser be tested on fixtures.

pub mod check;
pub mod finding;
pub mod ignore;
pub mod report;
pub mod score;
pub mod severity;
pub mod vex;

pub use check::{Category, CheckMeta, Control};
pub use finding::{Finding, FindingClass, Fingerprint, Location, ResourceRef};
pub use ignore::{IgnoreFile, IgnoreRule};
pub use report::{Ignored, ImageSummary, Notice, NoticeLevel, Passed, Report, Section, Summary};
pub use score::{CheckTally, HealthScore};
pub use severity::Severity;
pub use vex::{VexStatement, VexStatus, VexSubject};

/// Where the shared real test data lives (../shared/testdata, see its README), for tests and
/// benchmarks: `KVET_TESTDATA` when set, else `shared/testdata` next to the repository, else
/// `/work/shared/testdata`. `None` when none exists.
#[doc(hidden)]
pub fn testdata_dir() -> Option<std::path::PathBuf> {
    let beside_repo =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    std::env::var_os("KVET_TESTDATA")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain([
            beside_repo,
            std::path::PathBuf::from("/work/shared/testdata"),
        ])
        .find(|p| p.is_dir())
}
