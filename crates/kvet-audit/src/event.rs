//! One audit event, reduced to what the analysis needs, and the parser that builds it from the
//! JSON of an `audit.k8s.io/v1` (or `v1beta1`) `Event`.
//!
//! Parsing borrows from the input line wherever the JSON has no escapes and skips every field
//! it does not name (`responseObject`, most of `requestObject`) without building it, so a
//! line costs one pass of the JSON tokenizer plus a dozen small allocations.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// Request stages, ordered from the least to the most complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    Panic,
    ResponseComplete,
}

impl Stage {
    fn parse(s: &str) -> Stage {
        match s {
            "RequestReceived" => Stage::RequestReceived,
            "ResponseStarted" => Stage::ResponseStarted,
            "Panic" => Stage::Panic,
            // An event without a stage is treated as complete: nothing more will come.
            _ => Stage::ResponseComplete,
        }
    }

    /// No later stage of the same request will be logged.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::ResponseComplete | Stage::Panic)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::Panic => "Panic",
            Stage::ResponseComplete => "ResponseComplete",
        }
    }
}

/// What a logged request body says about the pod it would run (Pod, or any object with a pod
/// template: Deployment, Job, CronJob, …). Only known when the audit policy logs request bodies
/// (level `Request` or `RequestResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodRisk {
    /// Containers (regular, init, ephemeral) with `securityContext.privileged: true`.
    pub privileged: Vec<String>,
    /// `hostNetwork`, `hostPID`, `hostIPC` that are true.
    pub host_namespaces: Vec<&'static str>,
    /// `hostPath` volume paths.
    pub host_paths: Vec<String>,
}

impl PodRisk {
    pub fn is_empty(&self) -> bool {
        self.privileged.is_empty() && self.host_namespaces.is_empty() && self.host_paths.is_empty()
    }
}

/// Where an event came from: an index into the reader's list of inputs and a 1-based line
/// (0 when unknown, as for items of a multi-line `EventList` document).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub input: u32,
    pub line: u64,
}

/// One audit event, owned and compact (no request or response bodies).
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub audit_id: String,
    pub stage: Option<Stage>,
    /// When the request was received (microseconds since the Unix epoch), falling back to
    /// `stageTimestamp` and the v1beta1 `timestamp`.
    pub time: Option<i64>,
    pub verb: String,
    /// The authenticated user who sent the request.
    pub user: String,
    /// The user the request was made as, with `--as`/`Impersonate-User`.
    pub impersonated: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The request URI, cut at 2 KiB.
    pub request_uri: String,
    pub api_group: String,
    pub api_version: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    pub code: Option<u16>,
    pub pod_risk: Option<PodRisk>,
    /// `type` of a Secret in the request body (`kubernetes.io/service-account-token`, …).
    pub secret_type: Option<String>,
    pub origin: Origin,
}

impl Event {
    /// The identity the request acted as: the impersonated user if any, else the sender.
    pub fn effective_user(&self) -> &str {
        self.impersonated.as_deref().unwrap_or(&self.user)
    }

    /// `pods/exec`, `secrets`, or the path of a non-resource URL (`/healthz`).
    pub fn resource_label(&self) -> String {
        if self.resource.is_empty() {
            let path = self.request_uri.split('?').next().unwrap_or("");
            return if path.is_empty() {
                "(none)".into()
            } else {
                path.to_string()
            };
        }
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }

    /// Refused by authentication (401) or authorization (403).
    pub fn refused(&self) -> bool {
        matches!(self.code, Some(401 | 403))
    }

    /// Allowed: no error response (1xx–3xx, or not known yet).
    pub fn allowed(&self) -> bool {
        self.code.is_none_or(|c| c < 400)
    }

    /// `apiVersion` of the object as `group/version` (or `version` for the core group).
    pub fn object_api_version(&self) -> String {
        match (self.api_group.is_empty(), self.api_version.is_empty()) {
            (true, _) => self.api_version.clone(),
            (false, true) => self.api_group.clone(),
            (false, false) => format!("{}/{}", self.api_group, self.api_version),
        }
    }
}

/// What one JSON value in an audit log turned out to be.
#[derive(Debug)]
pub enum Parsed {
    Event(Box<Event>),
    /// An `EventList` on one line.
    List(Vec<Event>),
}

const MAX_URI: usize = 2048;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawEvent<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "auditID")]
    audit_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    stage: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "requestURI")]
    request_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    verb: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<RawUser<'a>>,
    #[serde(borrow)]
    impersonated_user: Option<RawUser<'a>>,
    #[serde(borrow, rename = "sourceIPs")]
    source_ips: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
    user_agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    object_ref: Option<RawObjectRef<'a>>,
    response_status: Option<RawStatus>,
    /// Kept as raw text and parsed only for writes (see [`RawEvent::into_event`]): bodies are
    /// large, and an unexpected shape in one must not make the whole event unreadable.
    #[serde(borrow)]
    request_object: Option<&'a RawValue>,
    /// The same, as found by the fast scanner (not yet validated).
    #[serde(skip)]
    request_body: Option<&'a [u8]>,
    #[serde(borrow)]
    request_received_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    stage_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    items: Option<Vec<RawEvent<'a>>>,
}

#[derive(Deserialize)]
struct RawUser<'a> {
    #[serde(borrow)]
    username: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawObjectRef<'a> {
    #[serde(borrow)]
    resource: Option<Cow<'a, str>>,
    #[serde(borrow)]
    subresource: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    api_group: Option<Cow<'a, str>>,
    #[serde(borrow)]
    api_version: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawStatus {
    code: Option<i64>,
}

/// The parts of a request body that matter: a pod spec (directly, in a template, or in a
/// CronJob's job template) and a Secret's type.
#[derive(Deserialize, Default)]
struct RawObject {
    #[serde(rename = "type")]
    type_: Option<String>,
    spec: Option<RawSpec>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    host_network: Option<bool>,
    #[serde(rename = "hostPID")]
    host_pid: Option<bool>,
    #[serde(rename = "hostIPC")]
    host_ipc: Option<bool>,
    containers: Option<Vec<RawContainer>>,
    init_containers: Option<Vec<RawContainer>>,
    ephemeral_containers: Option<Vec<RawContainer>>,
    volumes: Option<Vec<RawVolume>>,
    template: Option<Box<RawTemplate>>,
    job_template: Option<Box<RawTemplate>>,
}

#[derive(Deserialize, Default)]
struct RawTemplate {
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContainer {
    name: Option<String>,
    security_context: Option<RawSecurityContext>,
}

#[derive(Deserialize)]
struct RawSecurityContext {
    privileged: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVolume {
    host_path: Option<RawHostPath>,
}

#[derive(Deserialize)]
struct RawHostPath {
    path: Option<String>,
}

impl RawSpec {
    /// The pod spec inside: this one if it has containers, else the template's.
    fn pod_risk(&self, depth: u8) -> PodRisk {
        if self.containers.is_some() || depth > 3 {
            let mut r = PodRisk::default();
            for (flag, name) in [
                (self.host_network, "hostNetwork"),
                (self.host_pid, "hostPID"),
                (self.host_ipc, "hostIPC"),
            ] {
                if flag == Some(true) {
                    r.host_namespaces.push(name);
                }
            }
            for c in [
                &self.containers,
                &self.init_containers,
                &self.ephemeral_containers,
            ]
            .into_iter()
            .flatten()
            .flatten()
            {
                if c.security_context.as_ref().and_then(|s| s.privileged) == Some(true) {
                    r.privileged.push(c.name.clone().unwrap_or_default());
                }
            }
            for v in self.volumes.iter().flatten() {
                if let Some(p) = v.host_path.as_ref().and_then(|h| h.path.as_ref()) {
                    r.host_paths.push(p.clone());
                }
            }
            return r;
        }
        for t in [&self.template, &self.job_template].into_iter().flatten() {
            if let Some(s) = &t.spec {
                return s.pod_risk(depth + 1);
            }
        }
        PodRisk::default()
    }
}

/// Whether a request body can hold anything the rules judge: a risky pod setting or a
/// Secret type. Searching for the key names is much cheaper than parsing the body, and most
/// bodies (ordinary pods, config maps) have none of them.
fn body_matters(raw: &[u8]) -> bool {
    use memchr::memmem::Finder;
    use std::sync::OnceLock;
    static NEEDLES: OnceLock<Vec<Finder<'static>>> = OnceLock::new();
    let needles = NEEDLES.get_or_init(|| {
        [
            &b"\"privileged\""[..],
            b"\"hostNetwork\"",
            b"\"hostPID\"",
            b"\"hostIPC\"",
            b"\"hostPath\"",
            b"\"type\"",
        ]
        .iter()
        .map(|n| Finder::new(*n))
        .collect()
    });
    needles.iter().any(|f| f.find(raw).is_some())
}

fn own(c: Option<Cow<'_, str>>) -> String {
    c.map(Cow::into_owned).unwrap_or_default()
}

impl RawEvent<'_> {
    fn into_event(self, origin: Origin) -> Result<Event, String> {
        match self.kind.as_deref() {
            Some("Event") => {}
            Some(k) => return Err(format!("not an audit Event (kind '{k}')")),
            None => return Err("not an audit Event (no kind)".into()),
        }
        let Some(verb) = self.verb else {
            return Err("audit Event without a verb".into());
        };
        let time = [
            &self.request_received_timestamp,
            &self.stage_timestamp,
            &self.timestamp,
        ]
        .into_iter()
        .flatten()
        .find_map(|t| parse_time(t));
        let user = self.user.map(|u| own(u.username)).unwrap_or_default();
        let mut request_uri = own(self.request_uri);
        if request_uri.len() > MAX_URI {
            let mut cut = MAX_URI;
            while !request_uri.is_char_boundary(cut) {
                cut -= 1;
            }
            request_uri.truncate(cut);
        }
        let o = self.object_ref;
        let (resource, subresource, namespace, name, api_group, api_version) = match o {
            Some(o) => (
                own(o.resource),
                own(o.subresource),
                own(o.namespace),
                own(o.name),
                own(o.api_group),
                own(o.api_version),
            ),
            None => Default::default(),
        };
        // Only writes carry a body worth judging; a body of an unexpected shape (a custom
        // resource with a `spec.template` string, say) is ignored, not an error.
        let raw_body = self
            .request_body
            .or(self.request_object.map(|r| r.get().as_bytes()));
        let body = match (raw_body, verb.as_ref()) {
            (Some(raw), "create" | "update" | "patch") if body_matters(raw) => {
                serde_json::from_slice::<RawObject>(raw).ok()
            }
            _ => None,
        };
        let (pod_risk, secret_type) = match body {
            Some(obj) => (
                obj.spec.map(|s| s.pod_risk(0)).filter(|r| !r.is_empty()),
                obj.type_,
            ),
            None => (None, None),
        };
        Ok(Event {
            audit_id: own(self.audit_id),
            stage: self.stage.as_deref().map(Stage::parse),
            time,
            verb: verb.into_owned(),
            user,
            impersonated: self
                .impersonated_user
                .and_then(|u| u.username)
                .map(Cow::into_owned),
            source_ip: self
                .source_ips
                .and_then(|v| v.into_iter().next())
                .map(Cow::into_owned),
            user_agent: self.user_agent.map(Cow::into_owned),
            request_uri,
            api_group,
            api_version,
            resource,
            subresource,
            namespace,
            name,
            code: self
                .response_status
                .and_then(|s| s.code)
                .and_then(|c| u16::try_from(c).ok()),
            pod_risk,
            secret_type,
            origin,
        })
    }
}

/// Parses one JSON value (a line of a JSON-lines log): an `Event`, or an `EventList`.
pub fn parse_line(bytes: &[u8], origin: Origin) -> Result<Parsed, String> {
    let raw = scan_event(bytes)?;
    if raw.kind.as_deref() != Some("EventList") {
        return raw.into_event(origin).map(|e| Parsed::Event(Box::new(e)));
    }
    // An EventList on one line is rare: the full parser handles it.
    let raw: RawEvent<'_> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if raw.kind.as_deref() == Some("EventList") {
        let items = raw.items.unwrap_or_default();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(item.into_event(origin)?);
        }
        return Ok(Parsed::List(out));
    }
    raw.into_event(origin).map(|e| Parsed::Event(Box::new(e)))
}

/// Builds a [`RawEvent`] from the fields the analysis uses, decoding only those (see
/// [`crate::scan`]); `requestObject` is kept as bytes for [`RawEvent::into_event`] to judge.
fn scan_event(bytes: &[u8]) -> Result<RawEvent<'_>, String> {
    let mut raw = RawEvent::default();
    let mut err: Option<String> = None;
    crate::scan::members(bytes, &mut |key, v| {
        if err.is_some() {
            return;
        }
        let r = match key {
            b"kind" => text(v).map(|t| raw.kind = t),
            b"auditID" => text(v).map(|t| raw.audit_id = t),
            b"stage" => text(v).map(|t| raw.stage = t),
            b"requestURI" => text(v).map(|t| raw.request_uri = t),
            b"verb" => text(v).map(|t| raw.verb = t),
            b"userAgent" => text(v).map(|t| raw.user_agent = t),
            b"requestReceivedTimestamp" => text(v).map(|t| raw.request_received_timestamp = t),
            b"stageTimestamp" => text(v).map(|t| raw.stage_timestamp = t),
            b"timestamp" => text(v).map(|t| raw.timestamp = t),
            b"user" => scan_user(v).map(|t| raw.user = t),
            b"impersonatedUser" => scan_user(v).map(|t| raw.impersonated_user = t),
            b"sourceIPs" => scan_strings(v).map(|t| raw.source_ips = t),
            b"objectRef" => scan_object_ref(v).map(|t| raw.object_ref = t),
            b"responseStatus" => scan_status(v).map(|t| raw.response_status = t),
            b"requestObject" => {
                raw.request_body = (v != b"null").then_some(v);
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            err = Some(format!("field {}: {e}", String::from_utf8_lossy(key)));
        }
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(raw),
    }
}

/// A JSON string (or null), borrowed when it has no escapes.
fn text(v: &[u8]) -> Result<Option<Cow<'_, str>>, String> {
    if let [b'"', inner @ .., b'"'] = v {
        if memchr::memchr(b'\\', inner).is_none() {
            return std::str::from_utf8(inner)
                .map(|s| Some(Cow::Borrowed(s)))
                .map_err(|e| e.to_string());
        }
    }
    serde_json::from_slice::<Option<String>>(v)
        .map(|o| o.map(Cow::Owned))
        .map_err(|e| e.to_string())
}

/// Calls `each` for every member of the object `v`; `Ok(false)` when `v` is `null`. The
/// nested objects the analysis reads are decoded like the top level (see [`crate::scan`]):
/// only the named fields are decoded and checked, the others are skipped.
fn scan_object<'a>(
    v: &'a [u8],
    each: &mut dyn FnMut(&'a [u8], &'a [u8]) -> Result<(), String>,
) -> Result<bool, String> {
    if v == b"null" {
        return Ok(false);
    }
    let mut err: Option<String> = None;
    crate::scan::members(v, &mut |key, val| {
        if err.is_none() {
            if let Err(e) = each(key, val) {
                err = Some(e);
            }
        }
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(true),
    }
}

fn scan_user(v: &[u8]) -> Result<Option<RawUser<'_>>, String> {
    let mut username = None;
    let mut seen = false;
    let present = scan_object(v, &mut |k, val| match k {
        b"username" => {
            let t = text(val)?;
            if std::mem::replace(&mut seen, true) {
                return Err("duplicate field `username`".into());
            }
            username = t;
            Ok(())
        }
        _ => Ok(()),
    })?;
    Ok(present.then_some(RawUser { username }))
}

fn scan_object_ref(v: &[u8]) -> Result<Option<RawObjectRef<'_>>, String> {
    let mut f: [Option<Cow<'_, str>>; 6] = Default::default();
    let mut seen = [false; 6];
    const NAMES: [&str; 6] = [
        "resource",
        "subresource",
        "namespace",
        "name",
        "apiGroup",
        "apiVersion",
    ];
    let present = scan_object(v, &mut |k, val| {
        let Some(i) = NAMES.iter().position(|n| n.as_bytes() == k) else {
            return Ok(());
        };
        let t = text(val)?;
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("duplicate field `{}`", NAMES[i]));
        }
        f[i] = t;
        Ok(())
    })?;
    if !present {
        return Ok(None);
    }
    let [resource, subresource, namespace, name, api_group, api_version] = f;
    Ok(Some(RawObjectRef {
        resource,
        subresource,
        namespace,
        name,
        api_group,
        api_version,
    }))
}

fn scan_status(v: &[u8]) -> Result<Option<RawStatus>, String> {
    let mut code = None;
    let mut seen = false;
    let present = scan_object(v, &mut |k, val| match k {
        b"code" => {
            let c = integer(val)?;
            if std::mem::replace(&mut seen, true) {
                return Err("duplicate field `code`".into());
            }
            code = c;
            Ok(())
        }
        _ => Ok(()),
    })?;
    Ok(present.then_some(RawStatus { code }))
}

/// A JSON integer that fits an `i64`, or null.
fn integer(v: &[u8]) -> Result<Option<i64>, String> {
    if v == b"null" {
        return Ok(None);
    }
    let (neg, digits) = match v {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, v),
    };
    let plain = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0');
    if plain && digits.len() <= 18 {
        let mut n = 0i64;
        for d in digits {
            n = n * 10 + i64::from(d - b'0');
        }
        return Ok(Some(if neg { -n } else { n }));
    }
    // Anything unusual (a float, a huge number, not a number) gets serde's verdict.
    serde_json::from_slice::<Option<i64>>(v).map_err(|e| e.to_string())
}

/// A JSON array of strings, or null.
fn scan_strings(v: &[u8]) -> Result<Option<Vec<Cow<'_, str>>>, String> {
    if v == b"null" {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut err: Option<String> = None;
    crate::scan::elements(v, &mut |item| {
        if err.is_some() {
            return;
        }
        match text(item) {
            Ok(Some(s)) => out.push(s),
            Ok(None) => err = Some("invalid type: null, expected a string".into()),
            Err(e) => err = Some(e),
        }
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(Some(out)),
    }
}

/// Streams the items of an `EventList` document of any size (pretty-printed over many lines)
/// from a reader, calling `each` for every event without holding the list in memory. Returns
/// the number of items that were not audit events.
pub fn stream_event_list<R: std::io::Read>(
    reader: R,
    input: u32,
    each: &mut dyn FnMut(Event),
) -> Result<u64, String> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut bad = 0u64;
    ListSeed {
        each,
        input,
        bad: &mut bad,
    }
    .deserialize(&mut de)
    .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(bad)
}

struct ListSeed<'f> {
    each: &'f mut dyn FnMut(Event),
    input: u32,
    bad: &'f mut u64,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an audit.k8s.io EventList")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut kind_ok = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "kind" => {
                    let k: Cow<'de, str> = map.next_value()?;
                    kind_ok = Some(k == "EventList");
                    if kind_ok == Some(false) {
                        return Err(de::Error::custom(format!(
                            "not an audit EventList (kind '{k}')"
                        )));
                    }
                }
                "items" => map.next_value_seed(ItemsSeed {
                    each: &mut *self.each,
                    input: self.input,
                    bad: &mut *self.bad,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match kind_ok {
            Some(true) => Ok(()),
            _ => Err(de::Error::custom("not an audit EventList (no kind)")),
        }
    }
}

struct ItemsSeed<'f> {
    each: &'f mut dyn FnMut(Event),
    input: u32,
    bad: &'f mut u64,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of audit Events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let origin = Origin {
            input: self.input,
            line: 0,
        };
        // Each item is buffered as raw JSON (one event, bounded by the document reader) and
        // parsed like a line, so borrowing works the same for both formats.
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            match parse_line(raw.get().as_bytes(), origin) {
                Ok(Parsed::Event(e)) => (self.each)(*e),
                Ok(Parsed::List(_)) | Err(_) => *self.bad += 1,
            }
        }
        Ok(())
    }
}

/// Parses an RFC 3339 time to microseconds since the Unix epoch. The common shape
/// (`2018-10-26T13:38:34.867116Z`) is parsed by hand; anything else goes through chrono.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let fast = || -> Option<i64> {
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        let mut i = 19;
        let mut micros = 0i64;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 6 {
                    micros = micros * 10 + i64::from(b[i] - b'0');
                }
                i += 1;
            }
            for _ in (i - start)..6 {
                micros *= 10;
            }
        }
        if i + 1 != b.len() || b[i] != b'Z' {
            return None;
        }
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let days = days_from_civil(y, mo, d);
        Some(((days * 24 + h) * 60 + mi) * 60_000_000 + sec * 1_000_000 + micros)
    };
    fast().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_micros())
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats microseconds since the epoch as RFC 3339 (UTC, seconds precision).
pub fn format_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| micros.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_time_parser_agrees_with_chrono() {
        for s in [
            "2018-10-26T13:38:34.867116Z",
            "2018-10-26T13:38:34Z",
            "2000-02-29T23:59:59.1Z",
            "1969-12-31T23:59:59.999999999Z",
            "2026-11-01T00:00:00+02:00",
        ] {
            let want = chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_micros();
            assert_eq!(parse_time(s), Some(want), "{s}");
        }
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2018-13-26T13:38:34Z"), None);
    }
}
