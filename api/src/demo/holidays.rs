//! Bank holidays in England and Wales, for the contact centre's closures.
//!
//! The regular rules (New Year's Day, Good Friday, Easter Monday, the early May, spring and
//! summer Mondays, Christmas Day and Boxing Day, with substitute weekdays when a fixed holiday
//! falls on a weekend) plus the one-off changes proclaimed since 2020.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// One bank holiday.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankHoliday {
    pub date: NaiveDate,
    pub name: &'static str,
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus of Meeus, Jones and
/// Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u32, day as u32)
}

/// The bank holidays of England and Wales in `year`, in date order.
pub fn england_and_wales(year: i32) -> Vec<BankHoliday> {
    let mut days = Vec::with_capacity(10);
    let mut push = |date, name| days.push(BankHoliday { date, name });

    let new_year = date(year, 1, 1);
    push(next_weekday(new_year), "New Year's Day");

    let easter = easter_sunday(year);
    push(easter - Duration::days(2), "Good Friday");
    push(easter + Duration::days(1), "Easter Monday");

    match year {
        // Moved to the Friday for the 75th anniversary of VE Day.
        2020 => push(date(2020, 5, 8), "Early May bank holiday (VE Day)"),
        _ => push(first_monday(year, 5), "Early May bank holiday"),
    }
    if year == 2023 {
        push(
            date(2023, 5, 8),
            "Bank holiday for the coronation of King Charles III",
        );
    }
    match year {
        // Moved for the Platinum Jubilee, with an extra day after it.
        2022 => {
            push(date(2022, 6, 2), "Spring bank holiday");
            push(date(2022, 6, 3), "Platinum Jubilee bank holiday");
        }
        _ => push(last_monday(year, 5), "Spring bank holiday"),
    }
    push(last_monday(year, 8), "Summer bank holiday");
    if year == 2022 {
        push(
            date(2022, 9, 19),
            "Bank holiday for the State Funeral of Queen Elizabeth II",
        );
    }

    let christmas = date(year, 12, 25);
    match christmas.weekday() {
        // Christmas Day's substitute is the Monday, Boxing Day's the Tuesday.
        Weekday::Sat => {
            push(date(year, 12, 27), "Christmas Day (substitute day)");
            push(date(year, 12, 28), "Boxing Day (substitute day)");
        }
        // Boxing Day is the Monday; Christmas Day's substitute the Tuesday.
        Weekday::Sun => {
            push(date(year, 12, 26), "Boxing Day");
            push(date(year, 12, 27), "Christmas Day (substitute day)");
        }
        // Boxing Day falls on the Saturday: its substitute is the Monday.
        Weekday::Fri => {
            push(christmas, "Christmas Day");
            push(date(year, 12, 28), "Boxing Day (substitute day)");
        }
        _ => {
            push(christmas, "Christmas Day");
            push(date(year, 12, 26), "Boxing Day");
        }
    }
    days.sort_by_key(|d| d.date);
    days
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    // Only called with valid calendar dates.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The day itself when a weekday, else the following Monday.
fn next_weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day + Duration::days(2),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1).unwrap_or(NaiveDate::MIN)
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        date(year + 1, 1, 1)
    } else {
        date(year, month + 1, 1)
    };
    let last = first_of_next - Duration::days(1);
    let back = last.weekday().num_days_from_monday();
    last - Duration::days(i64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(year: i32) -> Vec<(u32, u32)> {
        england_and_wales(year)
            .iter()
            .map(|h| (h.date.month(), h.date.day()))
            .collect()
    }

    #[test]
    fn easter_sundays() {
        for (year, month, day) in [
            (2000, 4, 23),
            (2008, 3, 23),
            (2019, 4, 21),
            (2022, 4, 17),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn bank_holidays_2026() {
        let days = england_and_wales(2026);
        assert_eq!(
            dates(2026),
            [
                (1, 1),
                (4, 3),
                (4, 6),
                (5, 4),
                (5, 25),
                (8, 31),
                (12, 25),
                (12, 28)
            ]
        );
        assert_eq!(days[7].name, "Boxing Day (substitute day)");
    }

    #[test]
    fn bank_holidays_with_substitute_days() {
        // 2027: New Year's Day is a Friday; Christmas a Saturday, Boxing Day a Sunday.
        assert_eq!(
            dates(2027),
            [
                (1, 1),
                (3, 26),
                (3, 29),
                (5, 3),
                (5, 31),
                (8, 30),
                (12, 27),
                (12, 28)
            ]
        );
        // 2022: New Year's Day a Saturday; Christmas a Sunday; the Jubilee and the funeral.
        assert_eq!(
            dates(2022),
            [
                (1, 3),
                (4, 15),
                (4, 18),
                (5, 2),
                (6, 2),
                (6, 3),
                (8, 29),
                (9, 19),
                (12, 26),
                (12, 27)
            ]
        );
        // 2023: New Year's Day a Sunday; the coronation.
        assert_eq!(
            dates(2023),
            [
                (1, 2),
                (4, 7),
                (4, 10),
                (5, 1),
                (5, 8),
                (5, 29),
                (8, 28),
                (12, 25),
                (12, 26)
            ]
        );
    }
}
