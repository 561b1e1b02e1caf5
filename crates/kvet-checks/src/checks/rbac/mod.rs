//! Who is granted what: the RBAC objects themselves (roles) and who they are handed to
//! (bindings).

mod anonymous;
mod bindings;
pub(crate) mod grants;
mod roles;

pub(crate) use anonymous::ANONYMOUS_USER_RBAC_BINDING;
pub(crate) use bindings::*;
pub(crate) use roles::*;
