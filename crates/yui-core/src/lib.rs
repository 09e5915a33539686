//! Yui's use cases. Each public method on [`Yui`] is one thing a person or the CLI does
//! (sign in, create a town, publish an app…). Use cases reach storage, time and randomness
//! only through ports ([`ports::Store`], [`clock::Clock`]), check tenant scope and permissions
//! here — never in templates or handlers — and return a [`CoreError`].
#![forbid(unsafe_code)]

pub mod actor;
pub mod api_tokens;
pub mod apps;
pub mod audit;
pub mod auth;
pub mod builder;
pub mod clock;
pub mod console;
pub mod counter;
pub mod error;
pub mod export;
pub mod integration;
pub mod jobs;
pub mod manual;
pub mod model;
pub mod packages;
pub mod password;
pub mod ports;
pub mod processing;
pub mod records;
pub mod resident;
pub mod resume;
pub mod review;
pub mod sharing;
pub mod staff;
pub mod token;

use std::sync::Arc;

pub use actor::{Actor, Permission};
pub use clock::Clock;
pub use error::CoreError;
pub use ports::Store;

/// Tunable limits of the core, with safe defaults; the binary fills them from configuration.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// A staff session ends after this long without a request.
    pub session_idle: time::Duration,
    /// A staff session ends this long after sign-in, however active.
    pub session_absolute: time::Duration,
    /// Failed sign-ins for one account within `throttle_window` before it is locked.
    pub max_failures_per_account: u32,
    /// Failed sign-ins from one client address within `throttle_window` before it is locked.
    pub max_failures_per_address: u32,
    pub throttle_window: time::Duration,
    /// The instance's public URL, for links in e-mails.
    pub public_url: String,
    /// An untouched resident draft is kept this long after its last save.
    pub draft_lifetime: time::Duration,
}

impl Default for CoreSettings {
    fn default() -> Self {
        Self {
            session_idle: time::Duration::minutes(30),
            session_absolute: time::Duration::hours(12),
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            throttle_window: time::Duration::minutes(15),
            public_url: "http://127.0.0.1:8080".into(),
            draft_lifetime: time::Duration::days(30),
        }
    }
}

/// The application: the use cases over one store, one clock and the settings.
#[derive(Clone)]
pub struct Yui {
    store: Arc<dyn Store>,
    forms: Arc<apps::FormCache>,
    blobs: Arc<dyn ports::Blobs>,
    clock: Arc<dyn Clock>,
    settings: CoreSettings,
    remote: Arc<dyn ports::Remote>,
}

impl Yui {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn ports::Blobs>,
        clock: Arc<dyn Clock>,
        settings: CoreSettings,
    ) -> Self {
        Self {
            store,
            forms: Arc::default(),
            blobs,
            clock,
            settings,
            remote: Arc::new(ports::NoRemote),
        }
    }

    /// Lets the use cases reach other instances (catalogs, packages, adoption reports).
    #[must_use]
    pub fn with_remote(mut self, remote: Arc<dyn ports::Remote>) -> Self {
        self.remote = remote;
        self
    }

    pub fn remote(&self) -> &Arc<dyn ports::Remote> {
        &self.remote
    }

    pub(crate) fn forms(&self) -> &apps::FormCache {
        &self.forms
    }

    pub fn blobs(&self) -> &Arc<dyn ports::Blobs> {
        &self.blobs
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn settings(&self) -> &CoreSettings {
        &self.settings
    }

    /// Whether the store answers; used by `/readyz`.
    pub async fn ready(&self) -> Result<(), CoreError> {
        self.store.ping().await.map_err(CoreError::from)
    }
}
