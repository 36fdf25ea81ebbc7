//! Command-line flags with Apache Mesos's conventions (stout's `flags::FlagsBase`).
//!
//! A [`FlagSet`] is built from [`Flag`] definitions and [parses](FlagSet::parse) a command line
//! and an environment into [`Flags`]:
//!
//! - `--name=value`; `--name` and `--no-name` set a boolean flag to `true` and `false`; a boolean
//!   also takes `--name=true|false|1|0`, and an empty value means `true`. Names are
//!   case-insensitive and each argument is trimmed of surrounding whitespace first.
//! - Environment variables `MESOS_NAME` (or `MESOS_name`; the prefix is configurable) load flags
//!   too; the command line wins over the environment. Variables with the prefix that name no
//!   flag are ignored, as Mesos does (its agents set many `MESOS_*` variables that are not flags).
//! - A value starting with `file://` is replaced by the contents of that file, unchanged (no
//!   trimming), except for [path](Flag::path) flags; a [secret-file](Flag::secret_file) flag reads
//!   the file but shows only its path.
//! - Rejected: unknown command-line flags (`Failed to load unknown flag 'x'`), a non-boolean flag
//!   without a value or with `--no-`, a flag given twice, values of the wrong type, and missing
//!   [required](Flag::required) flags.
//! - Arguments that do not start with `--`, and everything after a lone `--`, are collected as
//!   [positional](Flags::positional) arguments (Mesos's daemons ignore them; a tool can read a
//!   subcommand from them).
//! - `--help` is a boolean flag of every set. When it is true, parsing stops at [`Parsed::Help`]
//!   even if other flags are wrong or missing, and [`FlagSet::usage`] gives the text to print;
//!   [`FlagSet::parse_env_args_or_exit`] does all of that for a `main`.
//!
//! Typed flags ([`Flag::typed`], [`Flag::duration`], [`Flag::boolean`]) are checked and put in a
//! canonical form when loaded (`--port=05050` is `5050`, `60secs` is `1mins`), which is what
//! [`Flags::effective`] returns for the master's and agent's `/flags` endpoints.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use thiserror::Error;

use crate::duration::Duration;

/// The environment-variable prefix of every Mesos program.
pub const DEFAULT_ENV_PREFIX: &str = "MESOS_";

/// The width `--help` output is wrapped to.
const USAGE_WIDTH: usize = 80;
/// How far help texts are indented under their flag.
const HELP_INDENT: usize = 6;

/// Why flags could not be defined, loaded or read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FlagError {
    /// A programming error in the flag definitions.
    #[error("Flag '{flag}' is badly defined: {reason}")]
    Definition {
        /// The flag's name.
        flag: String,
        /// What is wrong.
        reason: String,
    },
    /// An argument, or the value of a `MESOS_*` variable naming a flag, is not UTF-8.
    #[error("{what} is not valid UTF-8")]
    NotUnicode {
        /// Which argument or variable.
        what: String,
    },
    /// The command line names a flag that is not defined.
    #[error("Failed to load unknown flag '{flag}'{}", via(given, flag))]
    Unknown {
        /// The flag name, without `no-`.
        flag: String,
        /// The name as given (`no-x` for `--no-x`).
        given: String,
    },
    /// A flag is given twice, on the command line or in the environment.
    #[error("Flag '{flag}' is given more than once: as '{first}' and as '{second}'")]
    Duplicate {
        /// The flag's name.
        flag: String,
        /// The first occurrence (`--port=1`, `MESOS_PORT`).
        first: String,
        /// The second occurrence.
        second: String,
    },
    /// `--name` without `=value` for a flag that is not boolean.
    #[error("Failed to load non-boolean flag '{flag}': Missing value")]
    MissingValue {
        /// The flag's name.
        flag: String,
    },
    /// `--no-name` for a flag that is not boolean.
    #[error("Failed to load non-boolean flag '{flag}' via '{given}'")]
    NegatedNonBoolean {
        /// The flag's name.
        flag: String,
        /// The name as given.
        given: String,
    },
    /// `--no-name=value` with a non-empty value.
    #[error("Failed to load boolean flag '{flag}' via '{given}' with value '{value}'")]
    NegatedWithValue {
        /// The flag's name.
        flag: String,
        /// The name as given.
        given: String,
        /// The value given.
        value: String,
    },
    /// A `file://` value whose file cannot be read.
    #[error("Failed to load flag '{flag}': Error reading file '{path}': {reason}")]
    ReadFile {
        /// The flag's name.
        flag: String,
        /// The file.
        path: String,
        /// The operating system's complaint.
        reason: String,
    },
    /// A value that is not of the flag's type.
    #[error("Failed to load flag '{flag}': Failed to load value '{value}': {reason}")]
    InvalidValue {
        /// The flag's name.
        flag: String,
        /// The value given (`file://…` as given).
        value: String,
        /// Why it is not valid.
        reason: String,
    },
    /// A value of the right type that a [check](Flag::check) refused.
    #[error("Invalid value for flag '{flag}': {reason}")]
    Rejected {
        /// The flag's name.
        flag: String,
        /// The check's complaint.
        reason: String,
    },
    /// A [required](Flag::required) flag that was not given.
    #[error("Flag '{flag}' is required, but it was not provided")]
    Required {
        /// The flag's name.
        flag: String,
    },
    /// [`Flags`] were asked for a flag that is not defined.
    #[error("Flag '{flag}' is not defined")]
    Undefined {
        /// The name asked for.
        flag: String,
    },
    /// [`Flags::get`] of a flag that has neither a value nor a default.
    #[error("Flag '{flag}' has no value")]
    Unset {
        /// The flag's name.
        flag: String,
    },
    /// [`Flags::get`] with a type the value does not parse as.
    #[error("Flag '{flag}' has value '{value}', which is not a valid {type_name}: {reason}")]
    WrongType {
        /// The flag's name.
        flag: String,
        /// Its value.
        value: String,
        /// The type asked for.
        type_name: &'static str,
        /// The parser's complaint.
        reason: String,
    },
}

fn via(given: &str, flag: &str) -> String {
    if given == flag {
        String::new()
    } else {
        format!(" via '{given}'")
    }
}

/// Reads a boolean the way Mesos does: `true` or `1`, `false` or `0`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Puts a value in its canonical form, or says why it is not valid.
type Normalize = fn(&str) -> Result<String, String>;
/// A check on a loaded value.
type Check = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// What a `file://` value means for a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileValues {
    /// The file's contents are the value (stout's default `fetch`).
    Read,
    /// `file://…` is the value itself (stout's `Path` flags).
    Keep,
    /// The file's contents are the value, but its path is shown (`SecurePathOrValue`).
    ReadHidden,
}

/// The definition of one flag: name, help, type, default; see the [module docs](self).
#[derive(Clone)]
pub struct Flag {
    name: String,
    help: String,
    boolean: bool,
    normalize: Option<Normalize>,
    type_name: &'static str,
    files: FileValues,
    default: Option<String>,
    required: bool,
    aliases: Vec<String>,
    checks: Vec<Check>,
}

impl fmt::Debug for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flag")
            .field("name", &self.name)
            .field("type", &self.type_name)
            .field("default", &self.default)
            .field("required", &self.required)
            .field("aliases", &self.aliases)
            .finish_non_exhaustive()
    }
}

impl Flag {
    fn new(name: &str, help: &str, type_name: &'static str) -> Self {
        Flag {
            name: name.to_owned(),
            help: help.to_owned(),
            boolean: false,
            normalize: None,
            type_name,
            files: FileValues::Read,
            default: None,
            required: false,
            aliases: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// A flag whose value is any text.
    pub fn string(name: &str, help: &str) -> Self {
        Flag::new(name, help, "string")
    }

    /// A flag whose value is a filesystem path, taken as given: `file://` is not read.
    pub fn path(name: &str, help: &str) -> Self {
        Flag {
            files: FileValues::Keep,
            ..Flag::new(name, help, "path")
        }
    }

    /// A boolean flag: `--name`, `--no-name`, `--name=true|false|1|0`.
    pub fn boolean(name: &str, help: &str) -> Self {
        Flag {
            boolean: true,
            normalize: Some(normalize_bool),
            ..Flag::new(name, help, "bool")
        }
    }

    /// A flag holding a Mesos [`Duration`] (`5secs`, `1.5mins`).
    pub fn duration(name: &str, help: &str) -> Self {
        Flag::typed::<Duration>(name, help)
    }

    /// A flag whose value must parse as `T`; it is kept in `T`'s `Display` form. `bool` makes a
    /// [boolean](Self::boolean) flag.
    pub fn typed<T>(name: &str, help: &str) -> Self
    where
        T: FromStr + fmt::Display + 'static,
        T::Err: fmt::Display,
    {
        if TypeId::of::<T>() == TypeId::of::<bool>() {
            return Flag::boolean(name, help);
        }
        Flag {
            normalize: Some(normalize_as::<T>),
            ..Flag::new(name, help, short_type_name::<T>())
        }
    }

    /// The value the flag has when it is not given; `--help` shows it.
    pub fn default(mut self, value: impl fmt::Display) -> Self {
        self.default = Some(value.to_string());
        self
    }

    /// Parsing fails when the flag is not given (it must have no default).
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Another, deprecated, name for the flag (`slave_ping_timeout` for `agent_ping_timeout`);
    /// using it loads the flag with a warning.
    pub fn deprecated_alias(mut self, alias: &str) -> Self {
        self.aliases.push(alias.to_owned());
        self
    }

    /// A `file://path` value is replaced by the file's contents, but the effective flags show
    /// `path` rather than the contents (Mesos's `SecurePathOrValue`, e.g. the agent's `--master`).
    pub fn secret_file(mut self) -> Self {
        self.files = FileValues::ReadHidden;
        self
    }

    /// Adds a check of the loaded value (default included), read as `T`.
    pub fn check<T, F>(mut self, check: F) -> Self
    where
        T: FromStr + 'static,
        F: Fn(&T) -> Result<(), String> + Send + Sync + 'static,
    {
        self.checks
            .push(Arc::new(move |text: &str| match text.parse::<T>() {
                Ok(value) => check(&value),
                Err(_) => Err(format!(
                    "'{text}' is not a valid {}",
                    short_type_name::<T>()
                )),
            }));
        self
    }

    /// Adds a check that the value is one of `choices`.
    pub fn one_of(self, choices: &'static [&'static str]) -> Self {
        self.check(move |value: &String| {
            if choices.contains(&value.as_str()) {
                Ok(())
            } else {
                let choices: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
                Err(format!(
                    "expected one of {} but got '{value}'",
                    choices.join(", ")
                ))
            }
        })
    }

    /// The flag's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is a boolean flag.
    pub fn is_boolean(&self) -> bool {
        self.boolean
    }

    fn canonical(&self, text: &str) -> Result<String, String> {
        match self.normalize {
            Some(normalize) => normalize(text),
            None => Ok(text.to_owned()),
        }
    }
}

fn normalize_bool(text: &str) -> Result<String, String> {
    parse_bool(text)
        .map(|value| value.to_string())
        .ok_or_else(|| "Expecting a boolean (e.g., true or false)".to_owned())
}

fn normalize_as<T>(text: &str) -> Result<String, String>
where
    T: FromStr + fmt::Display,
    T::Err: fmt::Display,
{
    text.parse::<T>()
        .map(|value| value.to_string())
        .map_err(|error| error.to_string())
}

/// `u16` for `u16`, `Duration` for `mesos_api::duration::Duration`.
fn short_type_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

/// Whether `name` can be a flag name: lower-case ASCII letters, digits and `_`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The flags Mesos's programs share for logging (`mesos::internal::logging::Flags`); Mesos's
/// agents pass them to the executors they launch.
pub fn logging_flags() -> Vec<Flag> {
    vec![
        Flag::boolean("quiet", "Do not log to stderr.").default(false),
        Flag::string(
            "logging_level",
            "Lowest severity of messages to log: `INFO`, `WARNING` or `ERROR`. With `--quiet` \
             this only affects the log files in `--log_dir`.",
        )
        .default("INFO")
        .one_of(&["INFO", "WARNING", "ERROR"]),
        Flag::string(
            "log_dir",
            "Directory for log files; nothing is written to disk without it. Logging to stderr \
             is not affected.",
        ),
        Flag::typed::<i32>(
            "logbufsecs",
            "How many seconds log messages may be buffered before they are flushed.",
        )
        .default(0),
        Flag::boolean(
            "initialize_driver_logging",
            "Whether to set up logging for the v0 scheduler and executor drivers too. No effect \
             with the HTTP APIs.",
        )
        .default(true),
        Flag::string(
            "external_log_file",
            "A log file written by something else (e.g. journald or syslog) to show in the web \
             UI and the HTTP API instead of the files in `--log_dir`.",
        ),
    ]
}

/// What [`FlagSet::parse`] found.
#[derive(Clone, Debug)]
pub enum Parsed {
    /// The flags were loaded.
    Flags(Flags),
    /// `--help` was given: print [`FlagSet::usage`] and stop.
    Help,
}

impl Parsed {
    /// The flags, unless help was asked for.
    pub fn flags(self) -> Option<Flags> {
        match self {
            Parsed::Flags(flags) => Some(flags),
            Parsed::Help => None,
        }
    }
}

/// One flag occurrence on the command line or in the environment.
#[derive(Clone, Debug)]
struct Given {
    /// The name as given, lower-cased, `no-` included.
    name: String,
    /// The text after `=`, if any.
    value: Option<String>,
    /// Where it came from, for messages: `--port=5`, `MESOS_PORT`.
    source: String,
}

/// A set of flag definitions, able to load them and to describe them for `--help`.
#[derive(Clone, Debug)]
pub struct FlagSet {
    program: String,
    usage_message: Option<String>,
    env_prefix: Option<String>,
    flags: BTreeMap<String, Flag>,
    aliases: BTreeMap<String, String>,
    definition_errors: Vec<FlagError>,
}

impl FlagSet {
    /// An empty set (but for `--help`) for `program`, reading `MESOS_*` variables.
    pub fn new(program: &str) -> Self {
        let set = FlagSet {
            program: program.to_owned(),
            usage_message: None,
            env_prefix: Some(DEFAULT_ENV_PREFIX.to_owned()),
            flags: BTreeMap::new(),
            aliases: BTreeMap::new(),
            definition_errors: Vec::new(),
        };
        set.flag(Flag::boolean("help", "Prints this help message.").default(false))
    }

    /// Replaces the first line of `--help`, `Usage: <program> [options]`.
    pub fn usage_message(mut self, message: &str) -> Self {
        self.usage_message = Some(message.to_owned());
        self
    }

    /// Reads flags from variables starting with `prefix` (default `MESOS_`), or none at all.
    pub fn env_prefix(mut self, prefix: Option<&str>) -> Self {
        self.env_prefix = prefix.map(str::to_owned);
        self
    }

    /// Adds a flag. Definition mistakes (a bad or duplicate name, an invalid default) make every
    /// [`parse`](Self::parse) fail with [`FlagError::Definition`].
    pub fn flag(mut self, mut flag: Flag) -> Self {
        let errors = self.definition_errors.len();
        let mut fail = |reason: String| {
            let flag = flag.name.clone();
            self.definition_errors
                .push(FlagError::Definition { flag, reason });
        };
        for name in std::iter::once(&flag.name).chain(&flag.aliases) {
            if !valid_name(name) {
                fail(format!(
                    "'{name}' is not lower-case letters, digits and '_'"
                ));
            } else if self.flags.contains_key(name) || self.aliases.contains_key(name) {
                fail(format!("'{name}' is defined twice"));
            }
        }
        if flag.aliases.contains(&flag.name) || has_duplicates(&flag.aliases) {
            fail("an alias repeats a name".to_owned());
        }
        if let Some(default) = &flag.default {
            match flag.canonical(default) {
                Ok(canonical) => flag.default = Some(canonical),
                Err(reason) => fail(format!("invalid default '{default}': {reason}")),
            }
            if flag.required {
                fail("a required flag cannot have a default".to_owned());
            }
        }
        if self.definition_errors.len() == errors {
            for alias in &flag.aliases {
                self.aliases.insert(alias.clone(), flag.name.clone());
            }
            self.flags.insert(flag.name.clone(), flag);
        }
        self
    }

    /// Adds several flags.
    pub fn flags(self, flags: impl IntoIterator<Item = Flag>) -> Self {
        flags.into_iter().fold(self, FlagSet::flag)
    }

    /// The program name `--help` shows.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The `--help` text: the usage line, then every flag (sorted) with its help, wrapped.
    pub fn usage(&self) -> String {
        let mut usage = match &self.usage_message {
            Some(message) => format!("{message}\n\n"),
            None => format!("Usage: {} [options]\n\n", self.program),
        };
        for flag in self.flags.values() {
            let names: Vec<String> = std::iter::once(&flag.name)
                .chain(&flag.aliases)
                .map(|name| {
                    if flag.boolean {
                        format!("--[no-]{name}")
                    } else {
                        format!("--{name}=VALUE")
                    }
                })
                .collect();
            usage.push_str(&format!("  {}\n", names.join(", ")));
            let tail = match &flag.default {
                Some(default) => Some(format!("(default: {default})")),
                None if flag.required => Some("(required)".to_owned()),
                None => None,
            };
            for line in wrap(flag.help.trim(), tail, USAGE_WIDTH - HELP_INDENT) {
                if line.is_empty() {
                    usage.push('\n');
                } else {
                    usage.push_str(&format!("{:HELP_INDENT$}{line}\n", ""));
                }
            }
        }
        usage
    }

    /// Loads the flags from `args` (without the program name) and `env` (`std::env::vars_os()`).
    pub fn parse<A, E, K, V>(&self, args: A, env: E) -> Result<Parsed, FlagError>
    where
        A: IntoIterator,
        A::Item: AsRef<OsStr>,
        E: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        if let Some(error) = self.definition_errors.first() {
            return Err(error.clone());
        }
        let (command_line, positional) = split_args(args)?;
        let environment = self.environment(env)?;

        if self.help_requested(&command_line, &environment) {
            return Ok(Parsed::Help);
        }

        // Which occurrence loads each flag: the command line's, else the environment's.
        let mut chosen: BTreeMap<&str, Given> = BTreeMap::new();
        for given in command_line {
            let flag = self
                .resolve(&given.name)
                .ok_or_else(|| FlagError::Unknown {
                    flag: strip_no(&given.name).to_owned(),
                    given: given.name.clone(),
                })?;
            if let Some(first) = chosen.get(flag.name.as_str()) {
                return Err(duplicate(flag, first, &given));
            }
            chosen.insert(&flag.name, given);
        }
        let mut from_env: BTreeMap<&str, Given> = BTreeMap::new();
        for given in environment {
            let Some(flag) = self.resolve(&given.name) else {
                continue;
            };
            if chosen.contains_key(flag.name.as_str()) {
                continue;
            }
            if let Some(first) = from_env.get(flag.name.as_str()) {
                return Err(duplicate(flag, first, &given));
            }
            from_env.insert(&flag.name, given);
        }
        chosen.append(&mut from_env);

        let mut values = BTreeMap::new();
        let mut warnings = Vec::new();
        for (name, flag) in &self.flags {
            let value = match chosen.remove(name.as_str()) {
                Some(given) => {
                    let loaded = load(flag, &given)?;
                    if let Some(alias) = &loaded.given_as {
                        warnings.push(format!("Loaded deprecated flag '{alias}'"));
                    }
                    Some(loaded)
                }
                None => match &flag.default {
                    Some(default) => Some(Value::default(default.clone())),
                    None if flag.required => {
                        return Err(FlagError::Required { flag: name.clone() });
                    }
                    None => None,
                },
            };
            if let Some(value) = &value {
                for check in &flag.checks {
                    check(&value.value).map_err(|reason| FlagError::Rejected {
                        flag: name.clone(),
                        reason,
                    })?;
                }
            }
            values.insert(name.clone(), value);
        }
        Ok(Parsed::Flags(Flags {
            values,
            positional,
            warnings,
        }))
    }

    /// Parses this process's arguments and environment; prints the usage and exits 0 on
    /// `--help`, prints the error and exits 1 on a flag error, and prints any warnings.
    pub fn parse_env_args_or_exit(&self) -> Flags {
        match self.parse(std::env::args_os().skip(1), std::env::vars_os()) {
            Ok(Parsed::Flags(flags)) => {
                for warning in flags.warnings() {
                    eprintln!("Warning: {warning}");
                }
                flags
            }
            Ok(Parsed::Help) => {
                // Not `print!`: it panics when stdout is closed (`--help | head -1`).
                let _ = std::io::stdout().lock().write_all(self.usage().as_bytes());
                std::process::exit(0)
            }
            Err(error) => self.exit_with_error(&error),
        }
    }

    /// Prints `error` and a pointer to `--help` to stderr, as Mesos does, and exits 1.
    pub fn exit_with_error(&self, error: &dyn fmt::Display) -> ! {
        eprintln!(
            "{error}\n\nSee `{} --help` for a list of supported flags.",
            self.program
        );
        std::process::exit(1)
    }

    /// The flag `name` (`no-` stripped, aliases followed) stands for.
    fn resolve(&self, name: &str) -> Option<&Flag> {
        let name = strip_no(name);
        let name = self.aliases.get(name).map_or(name, String::as_str);
        self.flags.get(name)
    }

    /// The `prefix*` variables that name a flag, sorted.
    fn environment<E, K, V>(&self, env: E) -> Result<Vec<Given>, FlagError>
    where
        E: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let Some(prefix) = &self.env_prefix else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for (key, value) in env {
            let Some(key) = key.as_ref().to_str() else {
                continue;
            };
            let Some(name) = key.strip_prefix(prefix.as_str()) else {
                continue;
            };
            let name = name.to_ascii_lowercase();
            if self.resolve(&name).is_none() {
                continue;
            }
            let value = value
                .as_ref()
                .to_str()
                .ok_or_else(|| FlagError::NotUnicode {
                    what: format!("environment variable '{key}'"),
                })?;
            found.push(Given {
                name,
                value: Some(value.to_owned()),
                source: key.to_owned(),
            });
        }
        found.sort_by(|a, b| a.source.cmp(&b.source));
        Ok(found)
    }

    /// Whether the help flag is true on the command line or, failing that, in the environment.
    fn help_requested(&self, command_line: &[Given], environment: &[Given]) -> bool {
        let is_help = |given: &&Given| self.resolve(&given.name).is_some_and(|f| f.name == "help");
        let given = command_line
            .iter()
            .find(is_help)
            .or_else(|| environment.iter().find(is_help));
        given
            .and_then(|given| self.flags.get("help").map(|flag| load(flag, given)))
            .is_some_and(|loaded| loaded.is_ok_and(|value| value.value == "true"))
    }
}

fn has_duplicates(names: &[String]) -> bool {
    names
        .iter()
        .enumerate()
        .any(|(i, name)| names[..i].contains(name))
}

fn strip_no(name: &str) -> &str {
    name.strip_prefix("no-").unwrap_or(name)
}

fn duplicate(flag: &Flag, first: &Given, second: &Given) -> FlagError {
    FlagError::Duplicate {
        flag: flag.name.clone(),
        first: first.source.clone(),
        second: second.source.clone(),
    }
}

/// Splits the command line into flag occurrences and positional arguments.
fn split_args<A>(args: A) -> Result<(Vec<Given>, Vec<String>), FlagError>
where
    A: IntoIterator,
    A::Item: AsRef<OsStr>,
{
    let mut flags = Vec::new();
    let mut positional = Vec::new();
    let mut rest_positional = false;
    for arg in args {
        let arg = arg.as_ref();
        let arg = arg.to_str().ok_or_else(|| FlagError::NotUnicode {
            what: format!("argument '{}'", arg.to_string_lossy()),
        })?;
        let trimmed = arg.trim_matches([' ', '\t', '\n', '\r']);
        if rest_positional {
            positional.push(arg.to_owned());
        } else if trimmed == "--" {
            rest_positional = true;
        } else if let Some(flag) = trimmed.strip_prefix("--") {
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (flag, None),
            };
            let name = name.to_ascii_lowercase();
            flags.push(Given {
                name,
                value,
                source: trimmed.to_owned(),
            });
        } else {
            positional.push(arg.to_owned());
        }
    }
    Ok((flags, positional))
}

/// Loads one occurrence of `flag`: boolean rules, `file://`, type check.
fn load(flag: &Flag, given: &Given) -> Result<Value, FlagError> {
    let name = || flag.name.clone();
    let negated = given.name.starts_with("no-");
    let text = match (&given.value, flag.boolean) {
        (_, false) if negated => {
            return Err(FlagError::NegatedNonBoolean {
                flag: name(),
                given: given.name.clone(),
            });
        }
        (None, false) => return Err(FlagError::MissingValue { flag: name() }),
        (Some(value), false) => value.clone(),
        (None, true) => (!negated).to_string(),
        (Some(value), true) if value.is_empty() => (!negated).to_string(),
        (Some(value), true) if negated => {
            return Err(FlagError::NegatedWithValue {
                flag: name(),
                given: given.name.clone(),
                value: value.clone(),
            });
        }
        (Some(value), true) => value.clone(),
    };
    let alias = strip_no(&given.name);
    let given_as = (alias != flag.name).then(|| alias.to_owned());

    let path = text
        .strip_prefix("file://")
        .filter(|_| flag.files != FileValues::Keep);
    let contents = match path {
        Some(path) => std::fs::read_to_string(path).map_err(|error| FlagError::ReadFile {
            flag: name(),
            path: path.to_owned(),
            reason: error.to_string(),
        })?,
        None => text.clone(),
    };
    let value = flag
        .canonical(&contents)
        .map_err(|reason| FlagError::InvalidValue {
            flag: name(),
            value: text.clone(),
            reason,
        })?;
    let shown = match path {
        Some(path) if flag.files == FileValues::ReadHidden => path.to_owned(),
        _ => value.clone(),
    };
    Ok(Value {
        value,
        shown,
        given: true,
        given_as,
    })
}

/// Greedy word wrap; `\n` in `text` starts a new line, an empty line stays empty. `tail` ends
/// the last line and is never split.
fn wrap(text: &str, tail: Option<String>, width: usize) -> Vec<String> {
    let mut paragraphs: Vec<Vec<String>> = text
        .split('\n')
        .map(|paragraph| paragraph.split_whitespace().map(str::to_owned).collect())
        .collect();
    if let (Some(tail), Some(last)) = (tail, paragraphs.last_mut()) {
        last.push(tail);
    }
    if paragraphs.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    let mut lines = Vec::new();
    for words in paragraphs {
        let mut line = String::new();
        for word in words {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

/// A flag's value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Value {
    /// The canonical value.
    value: String,
    /// What the effective flags show: the value, or a secret file's path.
    shown: String,
    /// Whether it was given rather than defaulted.
    given: bool,
    /// The deprecated alias it was given by, if any.
    given_as: Option<String>,
}

impl Value {
    fn default(value: String) -> Self {
        Value {
            shown: value.clone(),
            value,
            given: false,
            given_as: None,
        }
    }
}

/// Loaded flags: every defined flag with its value (given or default), if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flags {
    values: BTreeMap<String, Option<Value>>,
    positional: Vec<String>,
    warnings: Vec<String>,
}

impl Flags {
    /// The value of flag `name` as a `T`; an error if it has no value or is not a `T`.
    pub fn get<T>(&self, name: &str) -> Result<T, FlagError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.get_opt(name)?.ok_or_else(|| FlagError::Unset {
            flag: name.to_owned(),
        })
    }

    /// The value of flag `name` as a `T`, or `None` if it has no value.
    pub fn get_opt<T>(&self, name: &str) -> Result<Option<T>, FlagError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let Some(value) = self.value(name)? else {
            return Ok(None);
        };
        value
            .parse()
            .map(Some)
            .map_err(|error: T::Err| FlagError::WrongType {
                flag: name.to_owned(),
                value: value.to_owned(),
                type_name: short_type_name::<T>(),
                reason: error.to_string(),
            })
    }

    /// The text of flag `name`, if it is defined and has a value.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.value(name).ok().flatten()
    }

    /// The value of flag `name` read as a Mesos boolean (`true`/`1`, `false`/`0`).
    pub fn get_bool(&self, name: &str) -> Result<bool, FlagError> {
        let value = self.value(name)?.ok_or_else(|| FlagError::Unset {
            flag: name.to_owned(),
        })?;
        parse_bool(value).ok_or_else(|| FlagError::WrongType {
            flag: name.to_owned(),
            value: value.to_owned(),
            type_name: "bool",
            reason: "Expecting a boolean (e.g., true or false)".to_owned(),
        })
    }

    /// Whether flag `name` was given on the command line or in the environment.
    pub fn is_given(&self, name: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|value| value.as_ref().is_some_and(|v| v.given))
    }

    /// The flags that have a value, by the name they were loaded with, as the master and agent
    /// show them at `/flags` (secret files by their path).
    pub fn effective(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .filter_map(|(name, value)| {
                let value = value.as_ref()?;
                let name = value.given_as.clone().unwrap_or_else(|| name.clone());
                Some((name, value.shown.clone()))
            })
            .collect()
    }

    /// The arguments that are not flags, in order (all of them after a lone `--`).
    pub fn positional(&self) -> &[String] {
        &self.positional
    }

    /// Warnings about the flags loaded (deprecated names).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn value(&self, name: &str) -> Result<Option<&str>, FlagError> {
        self.values
            .get(name)
            .map(|value| value.as_ref().map(|v| v.value.as_str()))
            .ok_or_else(|| FlagError::Undefined {
                flag: name.to_owned(),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const NO_ENV: [(&str, &str); 0] = [];

    fn set() -> FlagSet {
        FlagSet::new("mesos-test").flags([
            Flag::typed::<u16>("port", "Port to listen on.").default(5050),
            Flag::string("hostname", "The hostname to advertise."),
            Flag::string("work_dir", "Where to keep state.").required(),
            Flag::boolean("strict", "Be strict.").default(true),
            Flag::boolean("verbose", "Say more."),
            Flag::duration("agent_ping_timeout", "How long to wait for a ping.")
                .default("15secs")
                .deprecated_alias("slave_ping_timeout")
                .check(|d: &Duration| {
                    if *d >= Duration::from_secs(1) {
                        Ok(())
                    } else {
                        Err("too short".into())
                    }
                }),
            Flag::path("credentials", "A credentials file."),
            Flag::string("master", "The master.").secret_file(),
            Flag::string("recover", "What to do on recovery.")
                .default("reconnect")
                .one_of(&["reconnect", "cleanup"]),
        ])
    }

    fn parse_with(args: &[&str], env: &[(&str, &str)]) -> Result<Flags, FlagError> {
        set()
            .parse(args, env.iter().copied())
            .map(|parsed| parsed.flags().expect("no --help"))
    }

    fn parse(args: &[&str]) -> Result<Flags, FlagError> {
        parse_with(args, &[])
    }

    fn error(args: &[&str]) -> String {
        parse(args).unwrap_err().to_string()
    }

    #[test]
    fn loads_values_defaults_and_booleans() {
        let flags = parse(&[
            "--work_dir=/var/lib/mesos",
            "--hostname=a.example",
            "--verbose",
            "--no-strict",
        ])
        .unwrap();
        assert_eq!(flags.get::<u16>("port").unwrap(), 5050);
        assert_eq!(flags.get::<String>("hostname").unwrap(), "a.example");
        assert_eq!(flags.get_str("work_dir"), Some("/var/lib/mesos"));
        assert!(flags.get::<bool>("verbose").unwrap());
        assert!(!flags.get_bool("strict").unwrap());
        assert_eq!(
            flags.get::<Duration>("agent_ping_timeout").unwrap(),
            Duration::from_secs(15)
        );
        assert!(flags.is_given("hostname"));
        assert!(!flags.is_given("port"));
        assert_eq!(flags.get_opt::<String>("credentials").unwrap(), None);
        assert_eq!(
            flags.get::<String>("credentials").unwrap_err().to_string(),
            "Flag 'credentials' has no value"
        );
    }

    #[test]
    fn boolean_spellings_follow_mesos() {
        for (arg, expected) in [
            ("--verbose", true),
            ("--verbose=", true),
            ("--verbose=true", true),
            ("--verbose=1", true),
            ("--verbose=false", false),
            ("--verbose=0", false),
            ("--no-verbose", false),
            ("--no-verbose=", false),
        ] {
            let flags = parse(&["--work_dir=/w", arg]).unwrap();
            assert_eq!(flags.get_bool("verbose").unwrap(), expected, "{arg}");
            assert_eq!(
                flags.get_str("verbose"),
                Some(if expected { "true" } else { "false" })
            );
        }
        assert_eq!(
            error(&["--work_dir=/w", "--verbose=yes"]),
            "Failed to load flag 'verbose': Failed to load value 'yes': Expecting a boolean (e.g., true or false)"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--no-verbose=true"]),
            "Failed to load boolean flag 'verbose' via 'no-verbose' with value 'true'"
        );
    }

    #[test]
    fn rejects_bad_command_lines_like_mesos() {
        assert_eq!(
            error(&["--work_dir=/w", "--bogus=1"]),
            "Failed to load unknown flag 'bogus'"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--no-bogus"]),
            "Failed to load unknown flag 'bogus' via 'no-bogus'"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--port"]),
            "Failed to load non-boolean flag 'port': Missing value"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--no-port"]),
            "Failed to load non-boolean flag 'port' via 'no-port'"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--port=1", "--port=2"]),
            "Flag 'port' is given more than once: as '--port=1' and as '--port=2'"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--verbose", "--no-verbose"]),
            "Flag 'verbose' is given more than once: as '--verbose' and as '--no-verbose'"
        );
        assert_eq!(
            error(&[
                "--work_dir=/w",
                "--agent_ping_timeout=2secs",
                "--slave_ping_timeout=3secs"
            ]),
            "Flag 'agent_ping_timeout' is given more than once: as '--agent_ping_timeout=2secs' and as '--slave_ping_timeout=3secs'"
        );
        assert_eq!(
            error(&[]),
            "Flag 'work_dir' is required, but it was not provided"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--port=notanumber"]),
            "Failed to load flag 'port': Failed to load value 'notanumber': invalid digit found in string"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--port=70000"]),
            "Failed to load flag 'port': Failed to load value '70000': number too large to fit in target type"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--agent_ping_timeout=1ms"]),
            "Invalid value for flag 'agent_ping_timeout': too short"
        );
        assert_eq!(
            error(&["--work_dir=/w", "--recover=later"]),
            "Invalid value for flag 'recover': expected one of 'reconnect', 'cleanup' but got 'later'"
        );
        assert!(error(&["--work_dir=/w", "--agent_ping_timeout=5"]).starts_with(
            "Failed to load flag 'agent_ping_timeout': Failed to load value '5': invalid duration '5'"
        ));
    }

    #[test]
    fn names_are_case_insensitive_and_arguments_trimmed() {
        let flags = parse(&["  --WORK_DIR=/w ", "--Port=6000\n"]).unwrap();
        assert_eq!(flags.get_str("work_dir"), Some("/w"));
        assert_eq!(flags.get::<u16>("port").unwrap(), 6000);
    }

    #[test]
    fn values_are_canonical() {
        let flags = parse(&[
            "--work_dir=/w",
            "--port=05051",
            "--agent_ping_timeout=60secs",
            "--verbose=1",
        ])
        .unwrap();
        let effective = flags.effective();
        assert_eq!(effective["port"], "5051");
        assert_eq!(effective["agent_ping_timeout"], "1mins");
        assert_eq!(effective["verbose"], "true");
    }

    #[test]
    fn environment_loads_flags_and_the_command_line_wins() {
        let env = [
            ("MESOS_PORT", "7000"),
            ("MESOS_hostname", "env.example"),
            ("MESOS_WORK_DIR", "/env"),
            ("MESOS_NOT_A_FLAG", "ignored"),
            ("MESOS_DIRECTORY", "/sandbox"),
            ("OTHER_PORT", "1"),
            ("MESOS_VERBOSE", ""),
        ];
        let flags = parse_with(&["--port=8000"], &env).unwrap();
        assert_eq!(flags.get::<u16>("port").unwrap(), 8000);
        assert_eq!(flags.get_str("hostname"), Some("env.example"));
        assert_eq!(flags.get_str("work_dir"), Some("/env"));
        assert!(flags.get_bool("verbose").unwrap());
        assert!(flags.is_given("hostname"));

        let error = parse_with(
            &[],
            &[("MESOS_PORT", "notanumber"), ("MESOS_WORK_DIR", "/w")],
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Failed to load flag 'port': Failed to load value 'notanumber': invalid digit found in string"
        );

        let error = parse_with(
            &[],
            &[
                ("MESOS_PORT", "1"),
                ("MESOS_port", "2"),
                ("MESOS_WORK_DIR", "/w"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Flag 'port' is given more than once: as 'MESOS_PORT' and as 'MESOS_port'"
        );

        // An alias in the environment does not fight the command line.
        let flags = parse_with(
            &["--agent_ping_timeout=2secs"],
            &[
                ("MESOS_SLAVE_PING_TIMEOUT", "3secs"),
                ("MESOS_WORK_DIR", "/w"),
            ],
        )
        .unwrap();
        assert_eq!(
            flags.get::<Duration>("agent_ping_timeout").unwrap(),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn another_prefix_or_none() {
        let env = [("APP_WORK_DIR", "/app"), ("MESOS_WORK_DIR", "/mesos")];
        let flags = set()
            .env_prefix(Some("APP_"))
            .parse(NO_ENV.iter().map(|(k, _)| *k), env)
            .unwrap()
            .flags()
            .unwrap();
        assert_eq!(flags.get_str("work_dir"), Some("/app"));
        let error = set()
            .env_prefix(None)
            .parse(NO_ENV.iter().map(|(k, _)| *k), env)
            .unwrap_err();
        assert_eq!(
            error,
            FlagError::Required {
                flag: "work_dir".into()
            }
        );
    }

    #[test]
    fn deprecated_aliases_load_with_a_warning() {
        let flags = parse(&["--work_dir=/w", "--slave_ping_timeout=20secs"]).unwrap();
        assert_eq!(
            flags.get::<Duration>("agent_ping_timeout").unwrap(),
            Duration::from_secs(20)
        );
        assert_eq!(
            flags.warnings(),
            ["Loaded deprecated flag 'slave_ping_timeout'"]
        );
        assert_eq!(flags.effective()["slave_ping_timeout"], "20secs");
        assert!(!flags.effective().contains_key("agent_ping_timeout"));
    }

    #[test]
    fn file_values_are_read_except_for_paths() {
        let dir = std::env::temp_dir().join(format!("mesos-flags-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("value");
        std::fs::write(&file, "from-file").unwrap();
        let url = format!("file://{}", file.display());

        let flags = parse(&[
            &format!("--work_dir={url}"),
            &format!("--credentials={url}"),
            &format!("--master={url}"),
        ])
        .unwrap();
        assert_eq!(flags.get_str("work_dir"), Some("from-file"));
        assert_eq!(flags.get_str("credentials"), Some(url.as_str()));
        assert_eq!(flags.get_str("master"), Some("from-file"));
        assert_eq!(flags.effective()["master"], file.display().to_string());
        assert_eq!(flags.effective()["work_dir"], "from-file");

        // Contents are used unchanged, as stout does: a trailing newline is not a number.
        std::fs::write(&file, "5051\n").unwrap();
        let message = error(&["--work_dir=/w", &format!("--port={url}")]);
        assert!(
            message.starts_with(&format!(
                "Failed to load flag 'port': Failed to load value '{url}': invalid digit"
            )),
            "{message}"
        );

        let missing = format!("file://{}/missing", dir.display());
        let message = error(&["--work_dir=/w", &format!("--hostname={missing}")]);
        assert!(
            message.starts_with(&format!(
                "Failed to load flag 'hostname': Error reading file '{}/missing': ",
                dir.display()
            )),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn collects_positional_arguments() {
        let flags = parse(&["crd", "--work_dir=/w", "-v", "print", "--", "--port=1", "x"]).unwrap();
        assert_eq!(flags.positional(), ["crd", "-v", "print", "--port=1", "x"]);
        assert_eq!(flags.get::<u16>("port").unwrap(), 5050);
    }

    #[test]
    fn help_wins_over_everything_else() {
        for args in [
            &["--help"][..],
            &["--bogus", "--help"],
            &["--help=true", "--port=x"],
            &["--help=1"],
        ] {
            assert!(
                matches!(set().parse(args, NO_ENV), Ok(Parsed::Help)),
                "{args:?}"
            );
        }
        assert!(matches!(
            set().parse(["--work_dir=/w"], [("MESOS_HELP", "true")]),
            Ok(Parsed::Help)
        ));
        // Mesos's agents pass `--help=false` to their executors.
        let flags = parse(&["--help=false", "--work_dir=/w"]).unwrap();
        assert_eq!(flags.effective()["help"], "false");
        assert!(parse(&["--no-help", "--work_dir=/w"]).is_ok());
    }

    #[test]
    fn usage_lists_every_flag() {
        let usage = set().usage();
        assert!(usage.starts_with("Usage: mesos-test [options]\n\n  --agent_ping_timeout=VALUE, --slave_ping_timeout=VALUE\n"), "{usage}");
        assert!(
            usage.contains("  --port=VALUE\n      Port to listen on. (default: 5050)\n"),
            "{usage}"
        );
        assert!(
            usage.contains("  --[no-]strict\n      Be strict. (default: true)\n"),
            "{usage}"
        );
        assert!(
            usage.contains("  --[no-]help\n      Prints this help message. (default: false)\n"),
            "{usage}"
        );
        assert!(
            usage.contains("  --work_dir=VALUE\n      Where to keep state. (required)\n"),
            "{usage}"
        );
        let custom = set()
            .usage_message("Usage: mesos-test [options] <command>")
            .usage();
        assert!(custom.starts_with("Usage: mesos-test [options] <command>\n\n"));
    }

    #[test]
    fn usage_wraps_long_help() {
        let long = "word ".repeat(40);
        let usage = FlagSet::new("p")
            .flag(Flag::string("long", &format!("{long}\nsecond line")))
            .usage();
        let lines: Vec<&str> = usage
            .lines()
            .skip_while(|l| !l.starts_with("  --long"))
            .skip(1)
            .take_while(|l| l.starts_with("      "))
            .collect();
        assert!(lines.len() >= 3, "{usage}");
        assert!(lines.iter().all(|l| l.len() <= USAGE_WIDTH), "{usage}");
        assert_eq!(lines.last(), Some(&"      second line"));
    }

    #[test]
    fn definition_mistakes_surface_at_parse() {
        let parse = |set: FlagSet| {
            set.parse(NO_ENV.iter().map(|(k, _)| *k), NO_ENV)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            parse(
                FlagSet::new("p")
                    .flag(Flag::string("a", ""))
                    .flag(Flag::string("a", ""))
            ),
            "Flag 'a' is badly defined: 'a' is defined twice"
        );
        assert_eq!(
            parse(FlagSet::new("p").flag(Flag::string("help", ""))),
            "Flag 'help' is badly defined: 'help' is defined twice"
        );
        assert_eq!(
            parse(FlagSet::new("p").flag(Flag::string("no-x", ""))),
            "Flag 'no-x' is badly defined: 'no-x' is not lower-case letters, digits and '_'"
        );
        assert_eq!(
            parse(FlagSet::new("p").flag(Flag::typed::<u16>("port", "").default("x"))),
            "Flag 'port' is badly defined: invalid default 'x': invalid digit found in string"
        );
    }

    #[test]
    fn typed_access_errors_name_the_flag() {
        let flags = parse(&["--work_dir=/w", "--hostname=abc"]).unwrap();
        assert_eq!(
            flags.get::<u32>("hostname").unwrap_err().to_string(),
            "Flag 'hostname' has value 'abc', which is not a valid u32: invalid digit found in string"
        );
        assert_eq!(
            flags.get::<u32>("nope").unwrap_err().to_string(),
            "Flag 'nope' is not defined"
        );
        assert_eq!(
            flags.get_bool("hostname").unwrap_err().to_string(),
            "Flag 'hostname' has value 'abc', which is not a valid bool: Expecting a boolean (e.g., true or false)"
        );
    }

    #[test]
    fn effective_flags_have_every_value() {
        let flags = parse(&["--work_dir=/w"]).unwrap();
        let effective: Vec<(String, String)> = flags.effective().into_iter().collect();
        let expected = [
            ("agent_ping_timeout", "15secs"),
            ("help", "false"),
            ("port", "5050"),
            ("recover", "reconnect"),
            ("strict", "true"),
            ("work_dir", "/w"),
        ];
        assert_eq!(
            effective,
            expected.map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn logging_flags_accept_what_mesos_agents_pass() {
        let set = FlagSet::new("mesos-docker-executor").flags(logging_flags());
        let args = [
            "--quiet=false",
            "--logging_level=INFO",
            "--logbufsecs=0",
            "--initialize_driver_logging=true",
            "--help=false",
        ];
        assert!(set.parse(args, NO_ENV).unwrap().flags().is_some());
    }

    #[test]
    fn non_unicode_is_an_error_not_a_panic() {
        use std::os::unix::ffi::OsStrExt;
        let bad = OsStr::from_bytes(b"--hostname=\xff");
        let error = set().parse([bad], NO_ENV).unwrap_err();
        assert!(matches!(error, FlagError::NotUnicode { .. }), "{error}");
        let error = set()
            .parse(["--work_dir=/w"], [(OsStr::new("MESOS_HOSTNAME"), bad)])
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable 'MESOS_HOSTNAME' is not valid UTF-8"
        );
        // Variables that name no flag are skipped whatever they hold.
        assert!(
            set()
                .parse(
                    ["--work_dir=/w"],
                    [
                        (OsStr::from_bytes(b"\xff"), bad),
                        (OsStr::new("MESOS_X"), bad)
                    ]
                )
                .is_ok()
        );
    }
}
