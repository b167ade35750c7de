//! Calendar days (UTC), as retention dates and destruction days are written:
//! `YYYY-MM-DD`, parsed strictly into a real date (the `time` crate's), so that "is the
//! retention over" compares days, not strings.

use std::fmt;
use std::time::SystemTime;

use time::{Date, Month, OffsetDateTime, Time};

use crate::error::{Error, Result};

/// One calendar day, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

impl Day {
    /// Parse `YYYY-MM-DD` (exactly so: four-digit year, two-digit month and day, a real
    /// day of the calendar).
    pub fn parse(s: &str) -> Result<Day> {
        let bad = || {
            Error::usage(format!(
                "`{s}` is not a date; write it as YYYY-MM-DD (e.g. 2036-12-31)"
            ))
        };
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().map_err(|_| bad());
        let month = Month::try_from(num(5..7)? as u8).map_err(|_| bad())?;
        Date::from_calendar_date(i32::from(num(0..4)?), month, num(8..10)? as u8)
            .map(Day)
            .map_err(|_| bad())
    }

    /// Today (UTC).
    pub fn today() -> Day {
        Day(OffsetDateTime::now_utc().date())
    }

    /// The day (UTC) of an RFC 3339 time such as a statement's `at`.
    pub fn of_time(rfc3339: &str) -> Result<Day> {
        let at = humantime::parse_rfc3339_weak(rfc3339)
            .map_err(|_| Error::usage(format!("`{rfc3339}` is not an RFC 3339 time")))?;
        Ok(Day(OffsetDateTime::from(at).date()))
    }

    /// The first instant of the day.
    pub fn start(self) -> SystemTime {
        OffsetDateTime::new_utc(self.0, Time::MIDNIGHT).into()
    }

    /// The first instant of the next day (the end of this one, exclusive).
    pub fn end(self) -> SystemTime {
        self.start() + std::time::Duration::from_secs(86_400)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_strictly_print_back_and_compare_as_days() {
        for good in ["2036-12-31", "2028-02-29", "0001-01-01"] {
            assert_eq!(Day::parse(good).unwrap().to_string(), good);
        }
        for bad in [
            "2036-13-01",
            "2027-02-29",
            "2036-1-01",
            "36-12-31",
            "2036/12/31",
            "2036-12-31T00:00:00Z",
            "",
            "２０３６-12-31",
        ] {
            assert!(Day::parse(bad).is_err(), "{bad}");
        }
        assert!(Day::parse("2036-12-31").unwrap() < Day::parse("2037-01-01").unwrap());
        assert!(Day::parse("2036-09-30").unwrap() < Day::parse("2036-10-01").unwrap());
    }

    #[test]
    fn the_day_of_a_time_and_its_bounds() {
        let day = Day::of_time("2026-11-30T23:59:59Z").unwrap();
        assert_eq!(day.to_string(), "2026-11-30");
        assert_eq!(
            day.start(),
            humantime::parse_rfc3339("2026-11-30T00:00:00Z").unwrap()
        );
        assert_eq!(
            day.end(),
            humantime::parse_rfc3339("2026-12-01T00:00:00Z").unwrap()
        );
        assert!(Day::of_time("yesterday").is_err());
        assert!(Day::today() >= Day::parse("2026-01-01").unwrap());
    }
}
