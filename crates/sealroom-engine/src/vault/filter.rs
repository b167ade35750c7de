//! What `list` and `log` keep when asked for one party, category, actor or period.
//!
//! Every test runs on the public facts the signed log holds (owner, category,
//! depositor, times), so a filter never decrypts what it then drops.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use crate::case::policy::{Category, Role};
use crate::error::{Error, Input, Result};
use crate::log::replay::{Replay, ReplayDoc};

/// A filter as given on the command line, not yet checked against a case.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// A party label: its documents, and the acts of its members or on its documents.
    pub party: Option<String>,
    /// A document category.
    pub category: Option<Category>,
    /// A member's name (any case) or the start of their fingerprint (hex).
    pub actor: Option<String>,
    /// The earliest time kept.
    pub since: Option<SystemTime>,
    /// The first time no longer kept.
    pub until: Option<SystemTime>,
}

/// A `--since` or `--until` value: a day (`YYYY-MM-DD`, the whole day) or an RFC 3339
/// time. Returns the start of the period and its end (exclusive).
fn period(input: Input, text: &str) -> Result<(SystemTime, SystemTime)> {
    let bad = || {
        Error::usage(format!(
            "`{text}` is not a date: give YYYY-MM-DD or an RFC 3339 time such as 2026-11-30T14:00:00Z"
        ))
        .about(input)
    };
    if text.len() == 10 {
        let day = crate::date::Day::parse(text).map_err(|_| bad())?;
        return Ok((day.start(), day.end()));
    }
    let at = humantime::parse_rfc3339_weak(text).map_err(|_| bad())?;
    Ok((at, at + Duration::from_secs(1)))
}

impl Filter {
    /// Parse the filter's parts as a person typed them.
    pub fn parse(
        party: Option<&str>,
        category: Option<&str>,
        actor: Option<&str>,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<Self> {
        let since = since
            .map(|s| period(Input::Since, s).map(|p| p.0))
            .transpose()?;
        let until = until
            .map(|s| period(Input::Until, s).map(|p| p.1))
            .transpose()?;
        if let (Some(a), Some(b)) = (since, until) {
            if a >= b {
                return Err(Error::usage(
                    "the start of the period is after its end: nothing could match",
                )
                .about(Input::Since));
            }
        }
        Ok(Filter {
            party: party.map(str::to_owned),
            category: category.map(Category::parse).transpose()?,
            actor: actor.map(|a| a.trim().to_owned()),
            since,
            until,
        })
    }

    /// Whether the filter keeps everything (no option was given).
    pub fn is_empty(&self) -> bool {
        self.party.is_none()
            && self.category.is_none()
            && self.actor.is_none()
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Check the filter against a case: the party and the actor must exist in it
    /// (unless `strangers`: refused attempts come from people outside the case too).
    pub(crate) fn resolve(&self, replay: &Replay, strangers: bool) -> Result<Resolved> {
        if let Some(label) = &self.party {
            let known = replay
                .members
                .iter()
                .any(|(r, _)| matches!(r, Role::Party(l) if l == label));
            if !known {
                return Err(Error::not_found(format!(
                    "case {} has no party `{label}`",
                    replay.reference
                ))
                .with_hint(crate::error::Hint::ShowCase {
                    case: replay.reference.clone(),
                }));
            }
        }
        let mut prefix = None;
        let actors = match &self.actor {
            None => None,
            Some(who) => {
                let hex: String = who
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let by_hex = hex.len() >= 8 && hex.chars().all(|c| c.is_ascii_hexdigit());
                let found: BTreeSet<String> = replay
                    .members
                    .iter()
                    .map(|(_, c)| (c.name(), c.fingerprint().to_hex()))
                    .filter(|(name, fpr)| {
                        name.eq_ignore_ascii_case(who) || (by_hex && fpr.starts_with(&hex))
                    })
                    .map(|(_, fpr)| fpr)
                    .collect();
                // Former members are known by their fingerprint only.
                if by_hex {
                    prefix = Some(hex);
                } else if found.is_empty() && !strangers {
                    return Err(Error::not_found(format!(
                        "nobody in case {} is called `{who}` or has a fingerprint starting so",
                        replay.reference
                    ))
                    .with_hint(crate::error::Hint::ShowCase {
                        case: replay.reference.clone(),
                    }));
                }
                Some(found)
            }
        };
        Ok(Resolved {
            filter: self.clone(),
            actors,
            prefix,
        })
    }
}

impl Resolved {
    /// Whether `log --refusals` shows this refused attempt (its actor may be a
    /// stranger to the case, known only by the name on their identity).
    pub(crate) fn keeps_refusal(&self, replay: &Replay, r: &super::Refusal) -> bool {
        let named = self
            .filter
            .actor
            .as_ref()
            .is_some_and(|who| r.actor_name.eq_ignore_ascii_case(who));
        let mut without_actor = self.clone();
        without_actor.actors = None;
        without_actor.prefix = None;
        without_actor.keeps_entry(replay, &r.actor, &r.at, r.num)
            && (named || self.by_actor(&r.actor))
    }
}

/// A filter checked against one case.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    filter: Filter,
    /// The fingerprints of the members `--actor` names.
    actors: Option<BTreeSet<String>>,
    /// A fingerprint prefix given as `--actor` (which may be a former member's).
    prefix: Option<String>,
}

impl Resolved {
    fn in_period(&self, at: &str) -> bool {
        if self.filter.since.is_none() && self.filter.until.is_none() {
            return true;
        }
        let Ok(t) = humantime::parse_rfc3339_weak(at) else {
            return false;
        };
        self.filter.since.is_none_or(|s| t >= s) && self.filter.until.is_none_or(|u| t < u)
    }

    fn by_actor(&self, fingerprint: &str) -> bool {
        match (&self.actors, &self.prefix) {
            (None, None) => true,
            (actors, prefix) => {
                actors.as_ref().is_some_and(|a| a.contains(fingerprint))
                    || prefix.as_ref().is_some_and(|p| fingerprint.starts_with(p))
            }
        }
    }

    /// Whether `list` shows this document.
    pub(crate) fn keeps_document(&self, doc: &ReplayDoc) -> bool {
        self.filter
            .party
            .as_ref()
            .is_none_or(|p| doc.facts.owner.label() == p)
            && self.filter.category.is_none_or(|c| doc.facts.category == c)
            && self.by_actor(&doc.depositor)
            && self.in_period(&doc.deposited_at)
    }

    /// Whether `log` shows an entry by `actor` at `at`, about document `num` if any.
    pub(crate) fn keeps_entry(
        &self,
        replay: &Replay,
        actor: &str,
        at: &str,
        num: Option<u64>,
    ) -> bool {
        let doc = num.and_then(|n| replay.docs.get(&n));
        let party_ok = self.filter.party.as_ref().is_none_or(|p| {
            replay
                .roles_of(actor)
                .iter()
                .any(|r| matches!(r, Role::Party(l) if l == p))
                || doc.is_some_and(|d| d.facts.owner.label() == p)
        });
        let category_ok = self
            .filter
            .category
            .is_none_or(|c| doc.is_some_and(|d| d.facts.category == c));
        party_ok && category_ok && self.by_actor(actor) && self.in_period(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_covers_the_whole_day_and_a_time_one_second() {
        let f = Filter::parse(None, None, None, Some("2026-11-30"), Some("2026-11-30")).unwrap();
        let r = Resolved {
            filter: f,
            actors: None,
            prefix: None,
        };
        assert!(r.in_period("2026-11-30T00:00:00Z"));
        assert!(r.in_period("2026-11-30T23:59:59Z"));
        assert!(!r.in_period("2026-12-01T00:00:00Z"));
        assert!(!r.in_period("2026-11-29T23:59:59Z"));
        let f = Filter::parse(None, None, None, None, Some("2026-11-30T12:00:00Z")).unwrap();
        let r = Resolved {
            filter: f,
            actors: None,
            prefix: None,
        };
        assert!(r.in_period("2026-11-30T12:00:00Z"));
        assert!(!r.in_period("2026-11-30T12:00:01Z"));
    }

    #[test]
    fn bad_dates_and_empty_periods_are_usage_errors() {
        for (since, until) in [
            (Some("30/11/2026"), None),
            (None, Some("2026-13-01")),
            (Some("yesterday"), None),
            (Some("2026-12-01"), Some("2026-11-30")),
        ] {
            let e = Filter::parse(None, None, None, since, until).unwrap_err();
            assert_eq!(
                e.kind(),
                crate::error::ErrorKind::Usage,
                "{since:?} {until:?}"
            );
        }
        let e = Filter::parse(None, Some("memo"), None, None, None).unwrap_err();
        assert!(e.message().contains("not a category"), "{}", e.message());
    }
}
