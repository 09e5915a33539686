//! The REST API for other systems of a municipality (document management, RPA, data
//! warehouses): JSON over HTTPS with a bearer token per town. Versioned by path; `/api/v1` is
//! the only version.

pub mod v1;
