//! The check catalogue and the engine that runs it.
//!
//! A check is data ([`kvet_core::CheckMeta`]) plus a pure function over one object
//! ([`check::Eval`]); nothing here does I/O. The engine adds what every check shares:
//! applicability, per-check severity overrides, exemption annotations, pass/fail tallies for
//! the health score, and checks that need the whole scanned set (PodDisruptionBudgets).

pub mod check;
pub mod checks;
pub mod engine;
pub mod index;
pub mod settings;

pub use check::{Check, Ctx, Eval, Outcome, Violation};
pub use checks::{all, credential_name, find};
pub use engine::{Engine, Partial};
pub use index::SetIndex;
pub use settings::{Settings, SettingsError};
