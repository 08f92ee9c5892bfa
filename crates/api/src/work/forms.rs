//! The typed search forms of iManage's document search that are more than one value:
//! relative date ranges (`create_date=-7d`, `custom21_relative=-30d:-1d`) and the number
//! operators of custom17–20 (`<v`, `>v`, `=v`, `a-b`). They are parsed here and resolved
//! once, against the server's clock, into the absolute bounds both search paths (the
//! database and the index) take, so the two can never disagree about what "last week" is.
//!
//! iManage documents the operators of custom17–20 (`=`, `<`, `>`, an ascending `a-b` range,
//! both ends included) but not its "Date range format", so the relative notation is
//! Dossier's own, documented in `docs/compatibility.md`:
//!
//! - an end is a signed count of days, weeks, months or years from today: `-7d`, `-2w`,
//!   `-1m`, `-1y`, `+10d`; no unit means days, a missing sign means the future (a `+` in a
//!   URL arrives as a space), `0` is today;
//! - one end is the range between it and today (`-7d`: seven days ago through today);
//! - `from:to` names both ends, in ascending order (`-30d:-1d`: thirty days ago through
//!   yesterday);
//! - both ends are whole days, included: from the start of the first day to the end of the
//!   last, in UTC shifted by `timezone_offset` (minutes ahead of UTC) when it is given.
//!   Months and years are calendar months; a day past the end of a shorter month is its
//!   last day (one month before 31 March is 28 or 29 February).

use std::ops::Bound;

use chrono::{DateTime, Days, Months, NaiveDate, TimeDelta, Utc};

/// Largest count in one end of a relative range: beyond a few centuries it is a typo.
const MAX_AMOUNT: u32 = 100_000;

/// The longest `timezone_offset`: real zones lie within UTC−12 and UTC+14.
pub const MAX_TIMEZONE_OFFSET_MINUTES: i32 = 24 * 60 - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

/// One end of a relative range: this many units before (negative) or after today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RelativeDay {
    amount: i64,
    unit: Unit,
}

/// A parsed relative date range, not yet pinned to a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelativeRange {
    from: RelativeDay,
    /// `None`: the range runs between `from` and today, whichever comes first.
    to: Option<RelativeDay>,
}

/// "Today" for a search: the server's clock and the caller's offset from UTC.
#[derive(Clone, Copy, Debug)]
pub struct Today {
    pub now: DateTime<Utc>,
    /// Minutes ahead of UTC (`timezone_offset`; India is 330, Houston −360).
    pub offset_minutes: i32,
}

impl RelativeDay {
    fn parse(raw: &str) -> Result<RelativeDay, String> {
        let s = raw.trim();
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, unit) = rest.split_at(digits_end);
        let unit = match unit.to_ascii_lowercase().as_str() {
            "" | "d" => Unit::Days,
            "w" => Unit::Weeks,
            "m" => Unit::Months,
            "y" => Unit::Years,
            _ => {
                return Err(format!(
                    "'{s}' is not a relative day such as -7d, -2w, -1m or -1y"
                ));
            }
        };
        let amount: u32 = digits
            .parse()
            .ok()
            .filter(|n| *n <= MAX_AMOUNT)
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a relative day such as -7d, -2w, -1m or -1y (at most {MAX_AMOUNT} units)"
                )
            })?;
        let amount = i64::from(amount);
        Ok(RelativeDay {
            amount: if negative { -amount } else { amount },
            unit,
        })
    }

    /// The calendar day this end names, counted from `today`.
    fn day(self, today: NaiveDate) -> Option<NaiveDate> {
        let n = self.amount.unsigned_abs();
        let months = |m: u64| u32::try_from(m).ok().map(Months::new);
        match (self.unit, self.amount < 0) {
            (Unit::Days, false) => today.checked_add_days(Days::new(n)),
            (Unit::Days, true) => today.checked_sub_days(Days::new(n)),
            (Unit::Weeks, false) => today.checked_add_days(Days::new(n * 7)),
            (Unit::Weeks, true) => today.checked_sub_days(Days::new(n * 7)),
            (Unit::Months, false) => today.checked_add_months(months(n)?),
            (Unit::Months, true) => today.checked_sub_months(months(n)?),
            (Unit::Years, false) => today.checked_add_months(months(n * 12)?),
            (Unit::Years, true) => today.checked_sub_months(months(n * 12)?),
        }
    }
}

impl RelativeRange {
    pub fn parse(raw: &str) -> Result<RelativeRange, String> {
        let mut ends = raw.split(':');
        let from = RelativeDay::parse(ends.next().unwrap_or_default())?;
        let to = ends.next().map(RelativeDay::parse).transpose()?;
        if ends.next().is_some() {
            return Err(format!(
                "'{}' has more than two ends: use one (-7d) or from:to (-30d:-1d)",
                raw.trim()
            ));
        }
        Ok(RelativeRange { from, to })
    }

    /// The instants of the range: the start of its first day and the last microsecond of
    /// its last day, in the caller's time zone.
    pub fn resolve(&self, today: Today) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
        let offset = TimeDelta::minutes(i64::from(today.offset_minutes));
        let local_today = (today.now + offset).date_naive();
        let out_of_range = || "the relative range reaches beyond the calendar".to_string();
        let from = self.from.day(local_today).ok_or_else(out_of_range)?;
        let (first, last) = match self.to {
            None => (from.min(local_today), from.max(local_today)),
            Some(to) => {
                let to = to.day(local_today).ok_or_else(out_of_range)?;
                if to < from {
                    return Err("the range must be in ascending order (from:to)".to_string());
                }
                (from, to)
            }
        };
        let start = first.and_time(chrono::NaiveTime::MIN).and_utc() - offset;
        let end = last
            .succ_opt()
            .ok_or_else(out_of_range)?
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            - offset
            - TimeDelta::microseconds(1);
        Ok((start, end))
    }
}

/// A custom17–20 search value as a number range: `v` or `=v` (exactly v), `<v`, `>v`
/// (strictly), `<=v`, `>=v`, or `a-b` (a through b, ascending). A `-` joins a range only
/// after a digit, so `-5--1` is −5 through −1 and `1e-5` is one number.
pub fn number_form(raw: &str) -> Result<(Bound<f64>, Bound<f64>), String> {
    let s = raw.trim();
    let bad = || {
        format!("'{s}' is not a number, =v, <v, >v, <=v, >=v or an ascending range such as 10-20")
    };
    let number = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(bad)
    };
    type Bounds = fn(f64) -> (Bound<f64>, Bound<f64>);
    let operators: [(&str, Bounds); 5] = [
        ("<=", |v| (Bound::Unbounded, Bound::Included(v))),
        (">=", |v| (Bound::Included(v), Bound::Unbounded)),
        ("<", |v| (Bound::Unbounded, Bound::Excluded(v))),
        (">", |v| (Bound::Excluded(v), Bound::Unbounded)),
        ("=", |v| (Bound::Included(v), Bound::Included(v))),
    ];
    // Two-character operators first: `<=5` is not `<` of `=5`.
    for (prefix, bounds) in operators {
        if let Some(rest) = s.strip_prefix(prefix) {
            return Ok(bounds(number(rest)?));
        }
    }
    let bytes = s.as_bytes();
    let joint = (1..bytes.len())
        .find(|&i| bytes[i] == b'-' && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'));
    match joint {
        None => {
            let v = number(s)?;
            Ok((Bound::Included(v), Bound::Included(v)))
        }
        Some(i) => {
            let (lo, hi) = (number(&s[..i])?, number(&s[i + 1..])?);
            if lo > hi {
                return Err(format!("the range '{s}' must be in ascending order"));
            }
            Ok((Bound::Included(lo), Bound::Included(hi)))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Bound::{Excluded, Included, Unbounded};

    use chrono::{DateTime, TimeZone, Utc};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a valid time")
    }

    fn end_of(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        at(y, m, d, 23, 59) + TimeDelta::seconds(59) + TimeDelta::microseconds(999_999)
    }

    fn resolve(
        raw: &str,
        now: DateTime<Utc>,
        offset_minutes: i32,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        RelativeRange::parse(raw)
            .and_then(|r| {
                r.resolve(Today {
                    now,
                    offset_minutes,
                })
            })
            .expect(raw)
    }

    #[test]
    fn one_end_runs_to_today() {
        let now = at(2026, 3, 31, 15, 0);
        assert_eq!(
            resolve("-7d", now, 0),
            (at(2026, 3, 24, 0, 0), end_of(2026, 3, 31))
        );
        assert_eq!(resolve("-7", now, 0), resolve("-7d", now, 0));
        assert_eq!(resolve("-2w", now, 0).0, at(2026, 3, 17, 0, 0));
        // Calendar months: the 31st a month back is the last day of February.
        assert_eq!(resolve("-1m", now, 0).0, at(2026, 2, 28, 0, 0));
        assert_eq!(resolve("-1y", now, 0).0, at(2025, 3, 31, 0, 0));
        assert_eq!(
            resolve("0", now, 0),
            (at(2026, 3, 31, 0, 0), end_of(2026, 3, 31))
        );
        // The future, with or without its sign (a `+` in a URL arrives as a space).
        assert_eq!(
            resolve("+10d", now, 0),
            (at(2026, 3, 31, 0, 0), end_of(2026, 4, 10))
        );
        assert_eq!(resolve(" 10d", now, 0), resolve("+10d", now, 0));
        assert_eq!(resolve("10D", now, 0), resolve("+10d", now, 0));
    }

    #[test]
    fn two_ends_are_both_included() {
        let now = at(2026, 3, 31, 15, 0);
        assert_eq!(
            resolve("-30d:-1d", now, 0),
            (at(2026, 3, 1, 0, 0), end_of(2026, 3, 30))
        );
        assert_eq!(
            resolve("-1m:0", now, 0),
            (at(2026, 2, 28, 0, 0), end_of(2026, 3, 31))
        );
        assert_eq!(
            resolve("-1d:-1d", now, 0),
            (at(2026, 3, 30, 0, 0), end_of(2026, 3, 30))
        );
    }

    #[test]
    fn the_day_is_the_callers_when_an_offset_is_given() {
        // 23:30 UTC on the 31st is already 1 April in India (UTC+5:30).
        let now = at(2026, 3, 31, 23, 30);
        let (start, end) = resolve("0", now, 330);
        assert_eq!(start, at(2026, 3, 31, 18, 30));
        assert_eq!(
            end,
            at(2026, 4, 1, 18, 29) + TimeDelta::microseconds(59_999_999)
        );
        // 03:00 UTC on the 1st is still 31 March in Houston (UTC−6).
        let (start, _) = resolve("0", at(2026, 4, 1, 3, 0), -360);
        assert_eq!(start, at(2026, 3, 31, 6, 0));
    }

    #[test]
    fn malformed_ranges_are_refused() {
        let now = at(2026, 3, 31, 15, 0);
        for bad in [
            "",
            "-",
            "d",
            "-7x",
            "-7dd",
            "7.5d",
            "--7d",
            "-7d:",
            ":-7d",
            "-1d:-2d:-3d",
            "last week",
            "2026-01-01",
            "-100001d",
        ] {
            let got = RelativeRange::parse(bad).and_then(|r| {
                r.resolve(Today {
                    now,
                    offset_minutes: 0,
                })
            });
            assert!(got.is_err(), "{bad:?} gave {got:?}");
        }
        let descending = RelativeRange::parse("-1d:-30d").expect("parses");
        assert!(
            descending
                .resolve(Today {
                    now,
                    offset_minutes: 0
                })
                .is_err()
        );
        // The largest counts still make a date (and no overflow).
        let far = RelativeRange::parse("-100000y:+100000y").expect("parses");
        assert!(
            far.resolve(Today {
                now,
                offset_minutes: 0
            })
            .is_ok()
        );
    }

    #[test]
    fn number_forms() {
        assert_eq!(number_form("5"), Ok((Included(5.0), Included(5.0))));
        assert_eq!(number_form("=5"), Ok((Included(5.0), Included(5.0))));
        assert_eq!(number_form("-5"), Ok((Included(-5.0), Included(-5.0))));
        assert_eq!(number_form("<10"), Ok((Unbounded, Excluded(10.0))));
        assert_eq!(number_form("> -2.5"), Ok((Excluded(-2.5), Unbounded)));
        assert_eq!(number_form("<=10"), Ok((Unbounded, Included(10.0))));
        assert_eq!(number_form(">=10"), Ok((Included(10.0), Unbounded)));
        assert_eq!(
            number_form("10330-10400"),
            Ok((Included(10330.0), Included(10400.0)))
        );
        assert_eq!(number_form("1.5-2"), Ok((Included(1.5), Included(2.0))));
        assert_eq!(number_form("-5--1"), Ok((Included(-5.0), Included(-1.0))));
        assert_eq!(number_form("-5-3"), Ok((Included(-5.0), Included(3.0))));
        assert_eq!(number_form(".5-1."), Ok((Included(0.5), Included(1.0))));
        assert_eq!(number_form("1e-5"), Ok((Included(1e-5), Included(1e-5))));
        assert_eq!(number_form("1e-5-2"), Ok((Included(1e-5), Included(2.0))));
        for bad in [
            "", "<", ">=", "=", "abc", "5-", "-", "--5", "5--", "3-1", "-1--5", "1-2-3", "<inf",
            "NaN", "1,5", "10 to 20",
        ] {
            assert!(
                number_form(bad).is_err(),
                "{bad:?} gave {:?}",
                number_form(bad)
            );
        }
    }
}
