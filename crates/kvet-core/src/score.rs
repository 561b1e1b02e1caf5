//! The health score of the design: passed / (passed + failed) over (check × object)
//! evaluations, weighted by severity, 0–100, with a per-category breakdown.

use crate::check::Category;
use crate::severity::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

/// Evaluations of one check: how many objects it applied to and on how many it failed
/// (an object fails once however many containers fail).
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    pub severity: Severity,
    pub category: Category,
    pub evaluated: u64,
    pub failed: u64,
}

impl Tally {
    pub fn passed(&self) -> u64 {
        self.evaluated.saturating_sub(self.failed)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckTally {
    pub checks: BTreeMap<String, Tally>,
}

impl CheckTally {
    pub fn evaluated(&mut self, id: &str, severity: Severity, category: Category, n: u64) {
        self.checks
            .entry(id.to_string())
            .or_insert(Tally {
                severity,
                category,
                evaluated: 0,
                failed: 0,
            })
            .evaluated += n;
    }

    pub fn merge(&mut self, other: CheckTally) {
        for (id, t) in other.checks {
            let e = self.checks.entry(id).or_insert(Tally {
                failed: 0,
                evaluated: 0,
                ..t
            });
            e.evaluated += t.evaluated;
            e.failed += t.failed;
        }
    }

    pub fn score(&self) -> HealthScore {
        let mut total = (0u64, 0u64);
        let mut cats: BTreeMap<Category, (u64, u64)> = BTreeMap::new();
        for t in self.checks.values() {
            let w = t.severity.weight();
            let (p, all) = (w * t.passed(), w * t.evaluated);
            total.0 += p;
            total.1 += all;
            let c = cats.entry(t.category).or_default();
            c.0 += p;
            c.1 += all;
        }
        let pct = |(p, all): (u64, u64)| {
            if all == 0 {
                100.0
            } else {
                (p as f64 * 1000.0 / all as f64).round() / 10.0
            }
        };
        HealthScore {
            overall: pct(total),
            by_category: cats.into_iter().map(|(c, v)| (c, pct(v))).collect(),
        }
    }
}

/// 0–100, one decimal; 100 when nothing was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthScore {
    pub overall: f64,
    pub by_category: BTreeMap<Category, f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_by_severity_per_category() {
        let mut t = CheckTally::default();
        t.evaluated("a", Severity::Critical, Category::Security, 2);
        t.evaluated("b", Severity::Low, Category::Efficiency, 4);
        t.checks.get_mut("a").unwrap().failed = 1;
        t.checks.get_mut("b").unwrap().failed = 4;
        let s = t.score();
        // (10*1 + 1*0) / (10*2 + 1*4) = 10/24
        assert_eq!(s.overall, 41.7);
        assert_eq!(s.by_category[&Category::Security], 50.0);
        assert_eq!(s.by_category[&Category::Efficiency], 0.0);
        assert_eq!(CheckTally::default().score().overall, 100.0);
    }
}
