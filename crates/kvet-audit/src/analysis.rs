//! The analyser: a pure consumer of [`Event`]s (no I/O) that deduplicates request stages,
//! applies the filters, evaluates the rules and aggregates the report.
//!
//! Memory is bounded by the options, never by the log's length: counters per resource, verb,
//! user and namespace (each map capped, overflow counted as `(other)`), at most
//! [`Options::max_listed`] events listed per section, [`Options::max_findings`] aggregated
//! findings, a timeline of at most [`MAX_BUCKETS`] intervals, and a dedupe window.

use crate::event::{format_time, Event, Stage};
use crate::reader::InputStats;
use crate::report::{
    AuditReport, Bucket, ClassRow, Listed, NamespaceRow, OpRow, RuleCount, Timeline, Totals,
    UserRow,
};
use crate::rules::{rules, AuditRule, Behaviour, Section, UserClass};
use kvet_core::{Finding, FindingClass, Location, Notice, NoticeLevel, ResourceRef};
use std::collections::{BTreeMap, VecDeque};
use std::hash::BuildHasher;

/// A fast, fixed-seed hash for the counters and the dedupe ids (no untrusted-key DoS
/// concern worth SipHash's cost here: every map is capped).
type Fast = foldhash::fast::FixedState;
type HashMap<K, V> = std::collections::HashMap<K, V, Fast>;
type HashSet<K> = std::collections::HashSet<K, Fast>;

/// Timeline intervals never exceed this many columns: the interval grows instead.
pub const MAX_BUCKETS: i64 = 480;
const MINUTE: i64 = 60_000_000;
/// Interval ladder (minutes); each is a multiple of the previous one.
const LADDER: [i64; 9] = [1, 5, 15, 60, 360, 1440, 10080, 40320, 524160];
/// Remembered source IPs and user agents per user: enough for a person's workstations and
/// tools, small enough that [`Options::max_users`] users fit in a few megabytes.
pub const MAX_SEEN: usize = 16;
/// A request stage waits this long (event time) for its final stage.
const DEDUPE_WINDOW: i64 = 60 * MINUTE;

#[derive(Debug, Clone)]
pub struct Options {
    /// Events listed one by one per section (sensitive, risky); the rest are counted.
    pub max_listed: usize,
    /// Distinct aggregated findings; further matches are counted in a notice.
    pub max_findings: usize,
    /// Distinct resource × verb pairs and namespaces counted separately; the rest go to
    /// `(other)`.
    pub max_keys: usize,
    /// Distinct users with their own history (about 2 KiB each at most); the rest share
    /// `(other)`.
    pub max_users: usize,
    /// Request stages waiting for their final stage.
    pub max_pending: usize,
    /// Completed audit ids remembered to drop later duplicates.
    pub max_done: usize,
    pub burst_factor: u64,
    pub burst_min: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_listed: 5_000,
            max_findings: 10_000,
            max_keys: 20_000,
            max_users: 10_000,
            max_pending: 10_000,
            max_done: 200_000,
            burst_factor: 10,
            burst_min: 120,
        }
    }
}

/// `--since`, `--until` (microseconds since the epoch), `--user`, `--namespace`.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Matches the effective user or the user who impersonated it.
    pub user: Option<String>,
    pub namespace: Option<String>,
}

impl Filters {
    fn keep(&self, e: &Event) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = e.time else { return false };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t > u) {
                return false;
            }
        }
        if let Some(u) = &self.user {
            if e.effective_user() != u && e.user != *u {
                return false;
            }
        }
        if let Some(ns) = &self.namespace {
            if e.namespace != *ns {
                return false;
            }
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.since.is_none()
            && self.until.is_none()
            && self.user.is_none()
            && self.namespace.is_none()
    }
}

/// Merges the stages of one request (same `auditID`) into one event, keeping the most
/// complete stage. Non-final stages wait (bounded by count and by event time) for their final
/// stage; final ones are remembered (bounded) so that later copies are dropped. Ids are kept
/// as 64-bit hashes: a collision between two of a few hundred thousand live ids is far less
/// likely than a corrupt log line.
struct Dedupe {
    pending: HashMap<u64, Event>,
    /// Arrival order of pending ids, for eviction. Entries of ids completed meanwhile stay
    /// until they reach the front or the queue is compacted.
    order: VecDeque<(u64, Option<i64>)>,
    done: HashSet<u64>,
    done_order: VecDeque<u64>,
    max_pending: usize,
    max_done: usize,
    duplicates: u64,
}

fn hash_id(id: &str) -> u64 {
    Fast::with_seed(0x6b76_6574).hash_one(id)
}

impl Dedupe {
    fn new(o: &Options) -> Dedupe {
        Dedupe {
            pending: HashMap::default(),
            order: VecDeque::new(),
            done: HashSet::default(),
            done_order: VecDeque::new(),
            max_pending: o.max_pending.max(1),
            max_done: o.max_done,
            duplicates: 0,
        }
    }

    fn mark_done(&mut self, h: u64) {
        if self.done.insert(h) {
            self.done_order.push_back(h);
            if self.done_order.len() > self.max_done {
                if let Some(old) = self.done_order.pop_front() {
                    self.done.remove(&old);
                }
            }
        }
    }

    fn push(&mut self, mut e: Event, out: &mut dyn FnMut(Event)) {
        if e.audit_id.is_empty() {
            out(e);
            return;
        }
        let h = hash_id(&e.audit_id);
        if self.done.contains(&h) {
            self.duplicates += 1;
            return;
        }
        let now = e.time;
        let stage = e.stage.unwrap_or(Stage::ResponseComplete);
        if stage.is_final() {
            if let Some(earlier) = self.pending.remove(&h) {
                self.duplicates += 1;
                merge_from(&mut e, earlier);
            }
            self.mark_done(h);
            out(e);
        } else {
            match self.pending.get_mut(&h) {
                Some(existing) => {
                    self.duplicates += 1;
                    if e.stage > existing.stage {
                        let earlier = std::mem::replace(existing, e);
                        merge_from(existing, earlier);
                    }
                }
                None => {
                    self.order.push_back((h, e.time));
                    self.pending.insert(h, e);
                }
            }
        }
        self.evict(now, out);
    }

    /// Emits waiting stages that are too old or too many, and keeps the order queue no
    /// longer than twice the pending map (amortised O(1) per event).
    fn evict(&mut self, now: Option<i64>, out: &mut dyn FnMut(Event)) {
        while let Some(&(h, t)) = self.order.front() {
            if !self.pending.contains_key(&h) {
                self.order.pop_front();
                continue;
            }
            let too_old =
                matches!((t, now), (Some(t), Some(n)) if t.saturating_add(DEDUPE_WINDOW) < n);
            if !too_old && self.pending.len() <= self.max_pending {
                break;
            }
            self.order.pop_front();
            if let Some(e) = self.pending.remove(&h) {
                self.mark_done(h);
                out(e);
            }
        }
        if self.order.len() > 2 * self.max_pending {
            let pending = &self.pending;
            self.order.retain(|(h, _)| pending.contains_key(h));
        }
    }

    fn flush(&mut self, out: &mut dyn FnMut(Event)) {
        while let Some((h, _)) = self.order.pop_front() {
            if let Some(e) = self.pending.remove(&h) {
                out(e);
            }
        }
    }
}

/// Keeps what only an earlier stage of the same request logged (a body, a time).
fn merge_from(e: &mut Event, earlier: Event) {
    if e.pod_risk.is_none() {
        e.pod_risk = earlier.pod_risk;
    }
    if e.secret_type.is_none() {
        e.secret_type = earlier.secret_type;
    }
    if e.time.is_none() {
        e.time = earlier.time;
    }
    if e.user_agent.is_none() {
        e.user_agent = earlier.user_agent;
    }
    if e.source_ip.is_none() {
        e.source_ip = earlier.source_ip;
    }
}

#[derive(Default)]
struct UserState {
    class: Option<UserClass>,
    requests: u64,
    refused: u64,
    sensitive: u64,
    first: Option<i64>,
    last: Option<i64>,
    ips: Vec<String>,
    agents: Vec<String>,
    minute: i64,
    minute_count: u64,
    /// Minutes with 2^i ≤ requests < 2^(i+1).
    hist: [u64; 32],
    /// The busiest minutes: (requests, minute start).
    busiest: Vec<(u64, i64)>,
}

impl UserState {
    fn close_minute(&mut self) {
        if self.minute_count == 0 {
            return;
        }
        let b = 63 - self.minute_count.leading_zeros() as usize;
        self.hist[b.min(31)] += 1;
        self.busiest.push((self.minute_count, self.minute));
        self.busiest.sort_unstable_by(|a, b| b.cmp(a));
        self.busiest.truncate(3);
        self.minute_count = 0;
    }

    /// An upper bound of the median requests per active minute.
    fn median_per_minute(&self) -> u64 {
        let total: u64 = self.hist.iter().sum();
        let mut seen = 0;
        for (i, n) in self.hist.iter().enumerate() {
            seen += n;
            if seen * 2 >= total && total > 0 {
                return (1u64 << (i + 1)) - 1;
            }
        }
        0
    }
}

/// One aggregated finding: all matches of a rule by one user on one target.
struct Agg {
    rule: usize,
    user: String,
    target: Option<ResourceRef>,
    detail: String,
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    origin: crate::event::Origin,
    source_ip: Option<String>,
    outcome: String,
}

/// The analysis: push events in, take the report and findings out.
pub struct Analyzer {
    opts: Options,
    filters: Filters,
    dedupe: Dedupe,
    state: State,
}

struct State {
    opts: Options,
    read: u64,
    filtered_out: u64,
    requests: u64,
    refused: u64,
    sensitive: u64,
    risky: u64,
    first: Option<i64>,
    last: Option<i64>,
    ops: HashMap<String, HashMap<String, (u64, u64)>>,
    op_keys: usize,
    users: HashMap<String, UserState>,
    namespaces: HashMap<String, u64>,
    listed_sensitive: Vec<Listed>,
    more_sensitive: u64,
    listed_risky: Vec<Listed>,
    more_risky: u64,
    rule_counts: Vec<u64>,
    aggs: HashMap<String, Agg>,
    agg_overflow: Vec<u64>,
    timeline: TimelineState,
    label: String,
}

struct TimelineState {
    step: usize,
    buckets: BTreeMap<i64, [u64; 3]>,
}

impl TimelineState {
    fn width(&self) -> i64 {
        LADDER[self.step] * MINUTE
    }

    fn add(&mut self, t: i64, sensitive: bool, refused: bool) {
        let idx = t.div_euclid(self.width());
        let b = self.buckets.entry(idx).or_default();
        b[0] += 1;
        b[1] += u64::from(sensitive);
        b[2] += u64::from(refused);
        loop {
            let span = match (self.buckets.keys().next(), self.buckets.keys().next_back()) {
                (Some(a), Some(z)) => z - a + 1,
                _ => 0,
            };
            if span <= MAX_BUCKETS || self.step + 1 >= LADDER.len() {
                break;
            }
            let factor = LADDER[self.step + 1] / LADDER[self.step];
            self.step += 1;
            let old = std::mem::take(&mut self.buckets);
            for (i, v) in old {
                let e = self.buckets.entry(i.div_euclid(factor)).or_default();
                for k in 0..3 {
                    e[k] += v[k];
                }
            }
        }
    }
}

fn count_into(map: &mut HashMap<String, u64>, key: &str, cap: usize) {
    if let Some(v) = map.get_mut(key) {
        *v += 1;
    } else if map.len() < cap {
        map.insert(key.to_string(), 1);
    } else {
        *map.entry("(other)".to_string()).or_default() += 1;
    }
}

fn outcome(e: &Event) -> String {
    match e.code {
        None => "unknown".into(),
        Some(c) if c < 400 => format!("allowed ({c})"),
        Some(401) => "refused (401)".into(),
        Some(403) => "refused (403)".into(),
        Some(c) => format!("error ({c})"),
    }
}

/// What is specific to a match of this rule: the program run, the risky pod settings.
fn detail(rule: &AuditRule, e: &Event) -> String {
    let c = &rule.conditions;
    if e.subresource == "exec" {
        if let Some(p) = crate::rules::exec_program(&e.request_uri) {
            return format!("command {p}");
        }
    }
    if let (Some(cond), Some(r)) = (c.request_object, &e.pod_risk) {
        use crate::rules::ObjectCondition as O;
        return match cond {
            O::Privileged => format!("privileged container {}", r.privileged.join(", ")),
            O::HostNamespace => r.host_namespaces.join(", "),
            O::HostPath => format!("hostPath {}", r.host_paths.join(", ")),
            O::ServiceAccountTokenSecret => String::new(),
        };
    }
    if let Some(by) = e.impersonated.as_ref().map(|_| &e.user) {
        if c.impersonation == Some(true) {
            return format!("{by} acting as {}", e.effective_user());
        }
    }
    String::new()
}

impl Analyzer {
    pub fn new(opts: Options, filters: Filters) -> Analyzer {
        let n = rules().len();
        Analyzer {
            dedupe: Dedupe::new(&opts),
            state: State {
                opts: opts.clone(),
                read: 0,
                filtered_out: 0,
                requests: 0,
                refused: 0,
                sensitive: 0,
                risky: 0,
                first: None,
                last: None,
                ops: HashMap::default(),
                op_keys: 0,
                users: HashMap::default(),
                namespaces: HashMap::default(),
                listed_sensitive: Vec::new(),
                more_sensitive: 0,
                listed_risky: Vec::new(),
                more_risky: 0,
                rule_counts: vec![0; n],
                aggs: HashMap::default(),
                agg_overflow: vec![0; n],
                timeline: TimelineState {
                    step: 0,
                    buckets: BTreeMap::new(),
                },
                label: String::new(),
            },
            opts,
            filters,
        }
    }

    /// Consumes one event as read (any stage).
    pub fn push(&mut self, e: Event) {
        self.state.read += 1;
        if !self.filters.keep(&e) {
            self.state.filtered_out += 1;
            return;
        }
        let state = &mut self.state;
        self.dedupe.push(e, &mut |e| state.analyse(&e));
    }

    /// Ends the analysis. `inputs` names the inputs (for finding locations and the report).
    pub fn finish(mut self, inputs: Vec<InputStats>) -> Analysis {
        let state = &mut self.state;
        self.dedupe.flush(&mut |e| state.analyse(&e));
        let duplicates = self.dedupe.duplicates;
        self.state
            .build(inputs, duplicates, &self.filters, &self.opts)
    }
}

/// The result: the report sections and the findings (before whitelisting and filtering).
pub struct Analysis {
    pub report: AuditReport,
    pub findings: Vec<Finding>,
    /// Things the user should know about the analysis itself (lists cut at their caps).
    pub notices: Vec<Notice>,
}

impl State {
    fn analyse(&mut self, e: &Event) {
        self.requests += 1;
        let refused = e.refused();
        self.refused += u64::from(refused);
        if let Some(t) = e.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.count_op(e, refused);
        if !e.namespace.is_empty() {
            count_into(&mut self.namespaces, &e.namespace, self.opts.max_keys);
        }

        // Per-event rules.
        let user = e.effective_user();
        let class = UserClass::of(user);
        let mut sensitive = false;
        let mut risky = false;
        for (i, rule) in rules().iter().enumerate() {
            if rule.conditions.behaviour.is_some() || !rule.conditions.matches(e, class) {
                continue;
            }
            match rule.section {
                Section::Sensitive => sensitive = true,
                Section::Risky => risky = true,
            }
            self.hit(i, rule, e, detail(rule, e), None);
        }

        // The user's history: counts, first/last, new IPs and agents, per-minute rate.
        let key = if self.users.contains_key(user) || self.users.len() < self.opts.max_users {
            user
        } else {
            "(other)"
        };
        if !self.users.contains_key(key) {
            self.users.insert(key.to_string(), UserState::default());
        }
        let mut behaviour: Vec<(Behaviour, String)> = Vec::new();
        if let Some(u) = self.users.get_mut(key) {
            let seen_before = u.requests > 0;
            u.class = Some(class);
            u.requests += 1;
            u.refused += u64::from(refused);
            u.sensitive += u64::from(sensitive);
            if let Some(t) = e.time {
                u.first = Some(u.first.map_or(t, |f| f.min(t)));
                u.last = Some(u.last.map_or(t, |l| l.max(t)));
                let m = t.div_euclid(MINUTE);
                if m != u.minute {
                    u.close_minute();
                    u.minute = m;
                }
                u.minute_count += 1;
            }
            if let Some(ip) = &e.source_ip {
                if !u.ips.iter().any(|x| x == ip) && u.ips.len() < MAX_SEEN {
                    if seen_before && !u.ips.is_empty() {
                        behaviour.push((Behaviour::NewSourceIp, ip.clone()));
                    }
                    u.ips.push(ip.clone());
                }
            }
            if let Some(ua) = &e.user_agent {
                if !u.agents.iter().any(|x| x == ua) && u.agents.len() < MAX_SEEN {
                    if seen_before && !u.agents.is_empty() {
                        behaviour.push((Behaviour::NewUserAgent, ua.clone()));
                    }
                    u.agents.push(ua.clone());
                }
            }
        }
        for (b, value) in behaviour {
            for (i, rule) in rules().iter().enumerate() {
                if rule.conditions.behaviour == Some(b)
                    && (rule.conditions.users.is_empty() || rule.conditions.users.contains(&class))
                {
                    risky = true;
                    let what = match b {
                        Behaviour::NewSourceIp => format!("new source IP {value}"),
                        _ => format!("new user agent {value}"),
                    };
                    self.hit(i, rule, e, what, Some(value.clone()));
                }
            }
        }
        self.sensitive += u64::from(sensitive);
        self.risky += u64::from(risky);
        if let Some(t) = e.time {
            self.timeline.add(t, sensitive, refused);
        }
    }

    fn count_op(&mut self, e: &Event, refused: bool) {
        let mut label = std::mem::take(&mut self.label);
        label.clear();
        if e.resource.is_empty() {
            label.push_str(e.request_uri.split('?').next().unwrap_or(""));
            if label.is_empty() {
                label.push_str("(none)");
            }
        } else {
            label.push_str(&e.resource);
            if !e.subresource.is_empty() {
                label.push('/');
                label.push_str(&e.subresource);
            }
        }
        let cap = self.opts.max_keys;
        let key: &str = if self.ops.contains_key(label.as_str()) || self.op_keys < cap {
            &label
        } else {
            "(other)"
        };
        if !self.ops.contains_key(key) {
            self.ops.insert(key.to_string(), HashMap::default());
        }
        if let Some(verbs) = self.ops.get_mut(key) {
            if !verbs.contains_key(e.verb.as_str()) {
                verbs.insert(e.verb.clone(), (0, 0));
                self.op_keys += 1;
            }
            if let Some(v) = verbs.get_mut(e.verb.as_str()) {
                v.0 += 1;
                v.1 += u64::from(refused);
            }
        }
        self.label = label;
    }

    /// Records one match of a rule: listed (bounded), counted, aggregated into a finding.
    fn hit(
        &mut self,
        i: usize,
        rule: &AuditRule,
        e: &Event,
        detail: String,
        value: Option<String>,
    ) {
        self.rule_counts[i] += 1;
        let (list, more) = match rule.section {
            Section::Sensitive => (&mut self.listed_sensitive, &mut self.more_sensitive),
            Section::Risky => (&mut self.listed_risky, &mut self.more_risky),
        };
        if list.len() < self.opts.max_listed {
            list.push(Listed {
                time: e.time.map(format_time),
                rule: rule.meta.id,
                severity: rule.meta.severity,
                user: e.effective_user().to_string(),
                impersonated_by: e.impersonated.as_ref().map(|_| e.user.clone()),
                user_class: UserClass::of(e.effective_user()),
                source_ip: e.source_ip.clone(),
                user_agent: e.user_agent.clone(),
                verb: e.verb.clone(),
                resource: e.resource_label(),
                namespace: (!e.namespace.is_empty()).then(|| e.namespace.clone()),
                name: (!e.name.is_empty()).then(|| e.name.clone()),
                code: e.code,
                outcome: outcome(e),
                detail: detail.clone(),
                input: e.origin.input,
                line: (e.origin.line > 0).then_some(e.origin.line),
            });
        } else {
            *more += 1;
        }

        // Aggregate: sensitive operations per (user, object); risky requests per user and,
        // for refusals, per resource and verb.
        let user = e.effective_user();
        let user_centric = rule.section == Section::Risky && rule.conditions.codes.is_empty();
        let target = if user_centric {
            Some(ResourceRef {
                api_version: String::new(),
                kind: "User".into(),
                namespace: None,
                name: user.to_string(),
            })
        } else if e.resource.is_empty() {
            None
        } else {
            Some(ResourceRef {
                api_version: e.object_api_version(),
                kind: e.resource_label(),
                namespace: (!e.namespace.is_empty()).then(|| e.namespace.clone()),
                name: if rule.section == Section::Risky {
                    String::new()
                } else {
                    e.name.clone()
                },
            })
        };
        let key = format!(
            "{i}\u{0}{user}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            target.as_ref().map_or("", |t| t.kind.as_str()),
            target
                .as_ref()
                .and_then(|t| t.namespace.as_deref())
                .unwrap_or(""),
            target.as_ref().map_or("", |t| t.name.as_str()),
            if rule.section == Section::Risky && !user_centric {
                e.verb.as_str()
            } else {
                value.as_deref().unwrap_or("")
            }
        );
        if let Some(a) = self.aggs.get_mut(&key) {
            a.count += 1;
            if let Some(t) = e.time {
                a.first = Some(a.first.map_or(t, |f| f.min(t)));
                a.last = Some(a.last.map_or(t, |l| l.max(t)));
            }
        } else if self.aggs.len() < self.opts.max_findings {
            self.aggs.insert(
                key,
                Agg {
                    rule: i,
                    user: user.to_string(),
                    target,
                    detail,
                    count: 1,
                    first: e.time,
                    last: e.time,
                    origin: e.origin,
                    source_ip: e.source_ip.clone(),
                    outcome: outcome(e),
                },
            );
        } else {
            self.agg_overflow[i] += 1;
        }
        let _ = value;
    }

    fn build(
        mut self,
        inputs: Vec<InputStats>,
        duplicates: u64,
        filters: &Filters,
        opts: &Options,
    ) -> Analysis {
        let names: Vec<String> = inputs.iter().map(|s| s.name.clone()).collect();
        // Stages waiting for their final stage are analysed late: put lists in time order.
        for list in [&mut self.listed_sensitive, &mut self.listed_risky] {
            list.sort_by(|a, b| (&a.time, a.input, a.line).cmp(&(&b.time, b.input, b.line)));
        }
        let mut notices = Vec::new();

        // Bursts, now that every user's median is known.
        let burst_rule = rules()
            .iter()
            .position(|r| r.conditions.behaviour == Some(Behaviour::Burst));
        let mut bursts: Vec<(String, UserClass, u64, i64, u64)> = Vec::new();
        for (name, u) in self.users.iter_mut() {
            u.close_minute();
            let median = u.median_per_minute();
            for &(n, minute) in &u.busiest {
                if n >= opts.burst_min && n >= opts.burst_factor.saturating_mul(median.max(1)) {
                    bursts.push((
                        name.clone(),
                        u.class.unwrap_or(UserClass::Human),
                        n,
                        minute,
                        median,
                    ));
                }
            }
        }
        bursts.sort_by(|a, b| (a.3, &a.0).cmp(&(b.3, &b.0)));
        if let Some(i) = burst_rule {
            let rule = &rules()[i];
            for (user, class, n, minute, median) in bursts {
                if !rule.conditions.users.is_empty() && !rule.conditions.users.contains(&class) {
                    continue;
                }
                let t = minute * MINUTE;
                let e = Event {
                    user: user.clone(),
                    time: Some(t),
                    verb: "*".into(),
                    ..Event::default()
                };
                self.risky += 1;
                self.hit(
                    i,
                    rule,
                    &e,
                    format!("{n} requests in one minute (median {median}/min)"),
                    Some(t.to_string()),
                );
            }
        }

        // Findings from the aggregates, most severe first.
        let mut aggs: Vec<Agg> = self.aggs.into_values().collect();
        aggs.sort_by(|a, b| {
            (rules()[b.rule].meta.severity, a.rule, a.first, &a.user).cmp(&(
                rules()[a.rule].meta.severity,
                b.rule,
                b.first,
                &b.user,
            ))
        });
        let findings = aggs
            .into_iter()
            .map(|a| {
                let rule = &rules()[a.rule];
                let m = &rule.meta;
                let mut msg = format!("{}: {}", a.user, m.title.to_lowercase());
                if let Some(t) = &a.target {
                    if t.kind != "User" {
                        msg.push_str(&format!(" — {}", describe_target(t)));
                    }
                }
                if !a.detail.is_empty() {
                    msg.push_str(&format!(" ({})", a.detail));
                }
                let when = match (a.first, a.last) {
                    (Some(f), Some(l)) if f != l => {
                        format!("{} to {}", format_time(f), format_time(l))
                    }
                    (Some(f), _) => format_time(f),
                    _ => "time unknown".into(),
                };
                msg.push_str(&format!(
                    "; {}× at {when}{}, {}",
                    a.count,
                    a.source_ip
                        .as_ref()
                        .map_or(String::new(), |ip| format!(" from {ip}")),
                    a.outcome
                ));
                let extra = format!("{}\u{0}{}", a.user, a.detail);
                Finding {
                    check_id: m.id.into(),
                    class: FindingClass::Audit,
                    category: m.category,
                    severity: m.severity,
                    title: m.title.into(),
                    message: msg,
                    fingerprint: Finding::compute_fingerprint(
                        m.id,
                        a.target.as_ref(),
                        None,
                        &extra,
                    ),
                    resource: a.target.map(std::sync::Arc::new),
                    container: None,
                    image: None,
                    location: names.get(a.origin.input as usize).map(|p| Location {
                        path: p.as_str().into(),
                        line: (a.origin.line > 0)
                            .then(|| u32::try_from(a.origin.line).unwrap_or(u32::MAX)),
                    }),
                    remediation: m.remediation.into(),
                    package: None,
                    user: Some(a.user.as_str().into()),
                    references: m.references.iter().map(|r| (*r).into()).collect(),
                    controls: Default::default(),
                }
            })
            .collect();
        for (i, n) in self.agg_overflow.iter().enumerate() {
            if *n > 0 {
                notices.push(Notice {
                    level: NoticeLevel::Warning,
                    path: None,
                    line: None,
                    message: format!(
                        "{n} more matches of {} were not reported as separate findings (limit {} findings)",
                        rules()[i].meta.id,
                        opts.max_findings
                    ),
                });
            }
        }

        let mut operations: Vec<OpRow> = self
            .ops
            .into_iter()
            .flat_map(|(res, verbs)| {
                verbs.into_iter().map(move |(verb, (n, r))| OpRow {
                    resource: res.clone(),
                    verb,
                    requests: n,
                    refused: r,
                })
            })
            .collect();
        operations.sort_by(|a, b| {
            (b.requests, &a.resource, &a.verb).cmp(&(a.requests, &b.resource, &b.verb))
        });
        let mut classes: BTreeMap<UserClass, (u64, u64)> = BTreeMap::new();
        let mut users: Vec<UserRow> = self
            .users
            .into_iter()
            .map(|(name, u)| {
                let class = u.class.unwrap_or(UserClass::Human);
                let c = classes.entry(class).or_default();
                c.0 += 1;
                c.1 += u.requests;
                UserRow {
                    user: name,
                    class,
                    requests: u.requests,
                    refused: u.refused,
                    sensitive: u.sensitive,
                    first: u.first.map(format_time),
                    last: u.last.map(format_time),
                    source_ips: u.ips,
                    user_agents: u.agents,
                }
            })
            .collect();
        users.sort_by(|a, b| (b.requests, &a.user).cmp(&(a.requests, &b.user)));
        let mut namespaces: Vec<NamespaceRow> = self
            .namespaces
            .into_iter()
            .map(|(namespace, requests)| NamespaceRow {
                namespace,
                requests,
            })
            .collect();
        namespaces.sort_by(|a, b| (b.requests, &a.namespace).cmp(&(a.requests, &b.namespace)));
        let width = self.timeline.width();
        let timeline = Timeline {
            interval_seconds: width / 1_000_000,
            buckets: self
                .timeline
                .buckets
                .iter()
                .map(|(i, v)| Bucket {
                    start: format_time(i * width),
                    requests: v[0],
                    sensitive: v[1],
                    refused: v[2],
                })
                .collect(),
        };
        let rule_counts = rules()
            .iter()
            .zip(&self.rule_counts)
            .map(|(r, n)| RuleCount {
                id: r.meta.id,
                title: r.meta.title,
                severity: r.meta.severity,
                section: r.section,
                matches: *n,
            })
            .collect();
        let report = AuditReport {
            totals: Totals {
                events_read: self.read,
                duplicate_stages: duplicates,
                filtered_out: self.filtered_out,
                requests: self.requests,
                refused: self.refused,
                sensitive: self.sensitive,
                risky: self.risky,
                users: users.len() as u64,
                first: self.first.map(format_time),
                last: self.last.map(format_time),
            },
            filters: crate::report::FiltersShown {
                since: filters.since.map(format_time),
                until: filters.until.map(format_time),
                user: filters.user.clone(),
                namespace: filters.namespace.clone(),
            },
            inputs,
            operations,
            user_classes: classes
                .into_iter()
                .map(|(class, (users, requests))| ClassRow {
                    class,
                    users,
                    requests,
                })
                .collect(),
            users,
            namespaces,
            sensitive: self.listed_sensitive,
            sensitive_not_listed: self.more_sensitive,
            risky: self.listed_risky,
            risky_not_listed: self.more_risky,
            rules: rule_counts,
            timeline,
        };
        Analysis {
            report,
            findings,
            notices,
        }
    }
}

fn describe_target(t: &ResourceRef) -> String {
    match (&t.namespace, t.name.is_empty()) {
        (Some(ns), false) => format!("{} {ns}/{}", t.kind, t.name),
        (Some(ns), true) => format!("{} in {ns}", t.kind),
        (None, false) => format!("{} {}", t.kind, t.name),
        (None, true) => t.kind.clone(),
    }
}

/// Notices about what could not be read: malformed and overlong lines (the first few by
/// number), read errors such as a truncated gzip stream.
pub fn input_notices(inputs: &[InputStats], limits: crate::reader::Limits) -> Vec<Notice> {
    let mut out = Vec::new();
    for s in inputs {
        let note = |level, line: Option<u64>, message: String| Notice {
            level,
            path: Some(s.name.clone()),
            line: line.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
            message,
        };
        for (line, msg) in &s.malformed_lines {
            out.push(note(
                NoticeLevel::Warning,
                Some(*line),
                format!("malformed audit event skipped: {msg}"),
            ));
        }
        if s.malformed > s.malformed_lines.len() as u64 {
            out.push(note(
                NoticeLevel::Warning,
                None,
                format!(
                    "{} malformed lines skipped in all ({} listed)",
                    s.malformed,
                    s.malformed_lines.len()
                ),
            ));
        }
        for (line, len) in &s.overlong_lines {
            out.push(note(
                NoticeLevel::Warning,
                Some(*line),
                format!(
                    "line of {len} bytes skipped: longer than the {} byte limit",
                    limits.max_line
                ),
            ));
        }
        if s.overlong > s.overlong_lines.len() as u64 {
            out.push(note(
                NoticeLevel::Warning,
                None,
                format!("{} overlong lines skipped in all", s.overlong),
            ));
        }
        if let Some(e) = &s.error {
            out.push(note(NoticeLevel::Error, None, e.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Stage;

    fn ev(id: &str, user: &str, minute: i64, second: i64) -> Event {
        Event {
            audit_id: id.into(),
            stage: Some(Stage::ResponseComplete),
            time: Some(minute * MINUTE + second * 1_000_000),
            verb: "get".into(),
            user: user.into(),
            source_ip: Some("10.0.0.1".into()),
            user_agent: Some("kubectl/v1.30".into()),
            resource: "pods".into(),
            namespace: "default".into(),
            code: Some(200),
            ..Event::default()
        }
    }

    fn run(events: Vec<Event>) -> Analysis {
        let mut a = Analyzer::new(Options::default(), Filters::default());
        for e in events {
            a.push(e);
        }
        a.finish(Vec::new())
    }

    fn count(a: &Analysis, rule: &str) -> u64 {
        a.report
            .rules
            .iter()
            .find(|r| r.id == rule)
            .map_or(0, |r| r.matches)
    }

    #[test]
    fn a_burst_far_above_the_median_is_risky() {
        // alice: 2 requests a minute for 30 minutes, then 300 in minute 40.
        let mut events = Vec::new();
        for m in 0..30 {
            events.push(ev(&format!("a{m}-1"), "alice", m, 1));
            events.push(ev(&format!("a{m}-2"), "alice", m, 2));
        }
        for i in 0..300 {
            events.push(ev(&format!("b{i}"), "alice", 40, i % 60));
        }
        let a = run(events);
        assert_eq!(count(&a, "auditRequestBurst"), 1);
        let b = a
            .report
            .risky
            .iter()
            .find(|l| l.rule == "auditRequestBurst")
            .unwrap();
        assert!(
            b.detail.starts_with("300 requests in one minute"),
            "{}",
            b.detail
        );
        // The same rate all along is no burst.
        let steady: Vec<Event> = (0..600)
            .map(|i| ev(&format!("s{i}"), "bob", i / 150, i % 60))
            .collect();
        assert_eq!(count(&run(steady), "auditRequestBurst"), 0);
    }

    #[test]
    fn new_source_ip_and_agent_for_humans_only() {
        let mut e1 = ev("1", "alice", 0, 0);
        let mut e2 = ev("2", "alice", 1, 0);
        e2.source_ip = Some("203.0.113.9".into());
        e2.user_agent = Some("curl/8".into());
        let mut s1 = ev("3", "system:node:n1", 0, 0);
        let mut s2 = ev("4", "system:node:n1", 1, 0);
        s2.source_ip = Some("203.0.113.9".into());
        for e in [&mut e1, &mut s1] {
            e.namespace.clear();
        }
        let a = run(vec![e1, s1, e2, s2]);
        assert_eq!(count(&a, "auditNewSourceIp"), 1);
        assert_eq!(count(&a, "auditNewUserAgent"), 1);
        let classes: Vec<(UserClass, u64)> = a
            .report
            .user_classes
            .iter()
            .map(|c| (c.class, c.users))
            .collect();
        assert_eq!(classes, vec![(UserClass::Human, 1), (UserClass::System, 1)]);
    }

    #[test]
    fn pending_stages_are_bounded_and_flushed() {
        // Stages that never complete (ResponseStarted of exec) wait, are evicted past
        // max_pending, and are all analysed by the end.
        let opts = Options {
            max_pending: 3,
            ..Options::default()
        };
        let mut a = Analyzer::new(opts, Filters::default());
        for i in 0..10 {
            let mut e = ev(&format!("p{i}"), "alice", i, 0);
            e.stage = Some(Stage::ResponseStarted);
            a.push(e);
            assert!(a.dedupe.pending.len() <= 3);
            assert!(a.dedupe.order.len() <= 6);
        }
        let done = a.finish(Vec::new());
        assert_eq!(done.report.totals.requests, 10);
        assert_eq!(done.report.totals.duplicate_stages, 0);
    }

    #[test]
    fn timeline_interval_grows_to_keep_at_most_480_columns() {
        let events: Vec<Event> = (0..1000)
            .map(|i| ev(&format!("t{i}"), "alice", i * 10, 0))
            .collect();
        let a = run(events);
        assert!(a.report.timeline.buckets.len() <= MAX_BUCKETS as usize);
        assert_eq!(a.report.timeline.interval_seconds, 60 * 60);
        let total: u64 = a.report.timeline.buckets.iter().map(|b| b.requests).sum();
        assert_eq!(total, 1000);
    }
}
