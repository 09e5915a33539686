//! SQL assembled at run time from fixed fragments, with every value a numbered parameter:
//! for filters and for multi-row statements of the batch writer.

/// A bound value of a query built at run time.
pub(crate) enum Arg {
    Int(i64),
    Float(f64),
    Text(String),
    OptInt(Option<i64>),
    OptFloat(Option<f64>),
    OptText(Option<String>),
}

/// SQL assembled from fixed fragments; every value is a numbered parameter.
pub(crate) struct Builder {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
}

impl Builder {
    pub(crate) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends `fragment`, replacing each `?` with the next parameter number.
    pub(crate) fn push(&mut self, fragment: &str, args: impl IntoIterator<Item = Arg>) {
        let mut args = args.into_iter();
        for part in fragment.split_inclusive('?') {
            if let Some(stripped) = part.strip_suffix('?') {
                self.sql.push_str(stripped);
                if let Some(a) = args.next() {
                    self.args.push(a);
                }
                self.sql.push_str(&format!("${}", self.args.len()));
            } else {
                self.sql.push_str(part);
            }
        }
    }

    pub(crate) fn placeholders(n: usize) -> String {
        vec!["?"; n].join(", ")
    }
}

/// Binds the builder's arguments to a query (either backend).
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Float(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::OptInt(v) => q.bind(*v),
                Arg::OptFloat(v) => q.bind(*v),
                Arg::OptText(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

pub(crate) use bind_all;
