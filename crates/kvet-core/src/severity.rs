use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered so that `Critical > High > … > Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// Weight used by the health score (design: critical 10, high 5, medium 2, low 1).
    pub fn weight(self) -> u64 {
        match self {
            Severity::Critical => 10,
            Severity::High => 5,
            Severity::Medium => 2,
            Severity::Low | Severity::Unknown => 1,
        }
    }

    /// Parses a comma-separated list such as `HIGH,CRITICAL` (case-insensitive), as Trivy's
    /// `--severity` does.
    pub fn parse_list(s: &str) -> Result<Vec<Severity>, String> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Severity::from_str)
            .collect()
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "UNKNOWN" => Ok(Severity::Unknown),
            "LOW" => Ok(Severity::Low),
            "MEDIUM" => Ok(Severity::Medium),
            "HIGH" => Ok(Severity::High),
            "CRITICAL" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity '{s}' (expected one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_case_insensitively() {
        assert_eq!(
            Severity::parse_list("high, Critical").unwrap(),
            vec![Severity::High, Severity::Critical]
        );
        assert!(Severity::parse_list("HIGH,SEVERE")
            .unwrap_err()
            .contains("SEVERE"));
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Unknown);
    }
}
