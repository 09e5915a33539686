//! The staff console under `/{town}/staff`.

pub mod apps;
pub mod audit;
pub mod builder;
pub mod catalogs;
pub mod home;
pub mod inbox;
pub mod inbox_export;
pub mod login;
pub mod packages;
pub mod sharing;
pub mod submissions;
