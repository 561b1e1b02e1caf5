use crate::index::SetIndex;
use crate::settings::Settings;
use kvet_core::CheckMeta;
use kvet_k8s::{Container, Object, PodSpec};

/// What a check needs to judge one object.
pub struct Ctx<'a> {
    pub obj: &'a Object,
    /// The object's pod spec, when it is (or contains) a pod.
    pub pod: Option<PodSpec<'a>>,
    pub settings: &'a Settings,
    /// The pod's labels, copied once per object however many set checks keep them.
    pub(crate) labels: std::cell::OnceCell<Labels>,
}

/// Pod labels shared by the pending judgements of one object.
pub type Labels = std::sync::Arc<[(String, kvet_k8s::Node)]>;

impl Ctx<'_> {
    pub fn new<'a>(obj: &'a Object, pod: Option<PodSpec<'a>>, settings: &'a Settings) -> Ctx<'a> {
        Ctx {
            obj,
            pod,
            settings,
            labels: std::cell::OnceCell::new(),
        }
    }

    /// The pod template's labels (empty without a pod).
    pub fn pod_labels(&self) -> Labels {
        self.labels
            .get_or_init(|| {
                self.pod
                    .map_or_else(|| Labels::from([]), |p| p.labels().into())
            })
            .clone()
    }
}

/// One failure of a check on an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The line of the offending field, or of the nearest enclosing object where it is missing.
    pub line: u32,
    pub container: Option<String>,
    pub image: Option<String>,
    pub message: String,
    /// Distinguishes several violations of one check in one container (a port, a capability)
    /// in the finding's fingerprint.
    pub key: String,
}

impl Violation {
    pub fn at(line: u32, message: impl Into<String>) -> Violation {
        Violation {
            line,
            container: None,
            image: None,
            message: message.into(),
            key: String::new(),
        }
    }

    pub fn in_container(c: &Container<'_>, line: u32, message: impl Into<String>) -> Violation {
        Violation {
            line,
            container: Some(c.name.to_string()),
            image: c.image().map(str::to_string),
            message: message.into(),
            key: String::new(),
        }
    }

    pub fn keyed(mut self, key: impl Into<String>) -> Violation {
        self.key = key.into();
        self
    }
}

/// A fact an object contributes to a check that can only be judged once every object of the
/// scan is known (is there a PodDisruptionBudget for this Deployment?).
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub namespace: Option<String>,
    pub labels: Labels,
    pub line: u32,
    /// What the judge looks up in the index: the role a binding refers to, the service
    /// account a pod runs as.
    pub reference: String,
    /// Words the judge quotes in its message (a binding's subjects).
    pub detail: String,
    /// A yes/no fact the judge weighs (a pod's automountServiceAccountToken, whether a
    /// binding refers to a ClusterRole).
    pub setting: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The check does not apply to this object; it counts neither as passed nor failed.
    NotApplicable,
    Pass,
    Fail(Vec<Violation>),
}

impl Outcome {
    pub fn from_violations(v: Vec<Violation>) -> Outcome {
        if v.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(v)
        }
    }
}

pub enum Eval {
    /// Judged from the object alone.
    Object(fn(&Ctx<'_>) -> Outcome),
    /// Judged after the whole scan: `extract` runs per object (`None`: not applicable),
    /// `judge` runs at the end with what all objects contributed.
    Set {
        extract: fn(&Ctx<'_>) -> Option<Pending>,
        judge: fn(&Pending, &SetIndex) -> Outcome,
    },
}

pub struct Check {
    pub meta: CheckMeta,
    pub eval: Eval,
}

/// Runs `f` on every container of a pod selected by `which`; not applicable to objects
/// without a pod spec.
pub fn per_container<'a>(
    ctx: &Ctx<'a>,
    which: fn(&Container<'_>) -> bool,
    f: impl Fn(&PodSpec<'a>, &Container<'a>) -> Vec<Violation>,
) -> Outcome {
    let Some(pod) = ctx.pod else {
        return Outcome::NotApplicable;
    };
    let mut any = false;
    let mut out = Vec::new();
    for c in pod.containers().filter(|c| which(c)) {
        any = true;
        out.extend(f(&pod, &c));
    }
    if !any {
        return Outcome::NotApplicable;
    }
    Outcome::from_violations(out)
}

/// Container filters for [`per_container`].
pub fn all_containers(_: &Container<'_>) -> bool {
    true
}
pub fn resourced_containers(c: &Container<'_>) -> bool {
    c.may_set_resources()
}
pub fn long_running_containers(c: &Container<'_>) -> bool {
    c.is_long_running()
}
