//! The staff console under `/{town}/staff`.

pub mod home;
pub mod login;
