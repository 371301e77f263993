//! Events that repeat in a row, logged so that a fleet does not flood its logs: at warn the
//! 1st, 10th, 100th, ... time, at a lower level the others, with the count.

/// 1, 10, 100, ...: the times in a row an event is warned of.
pub(crate) fn is_power_of_ten(mut n: u32) -> bool {
    while n >= 10 && n % 10 == 0 {
        n /= 10;
    }
    n == 1
}

#[cfg(test)]
mod tests {
    use super::is_power_of_ten;

    #[test]
    fn warns_of_the_1st_10th_and_100th() {
        let warned: Vec<u32> = (0..=1000).filter(|&n| is_power_of_ten(n)).collect();
        assert_eq!(warned, [1, 10, 100, 1000]);
    }
}
