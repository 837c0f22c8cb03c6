//! A CSV export no reader knows: refused by its columns rather than misread as another format.

/// The header's column names when `text` opens with a CSV header of at least two columns, each
/// a name (letters, digits, spaces, `_-./()`, at most 40 characters): only names are ever
/// repeated in an error, never a cell that might be a value.
pub fn header_columns(text: &str) -> Option<Vec<String>> {
    let first = text.trim_start_matches('\u{feff}').lines().next()?;
    if first.contains('=') {
        return None;
    }
    let columns: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').trim().to_string())
        .collect();
    let is_name = |c: &String| {
        !c.is_empty()
            && c.chars().count() <= 40
            && c.chars().any(char::is_alphabetic)
            && c.chars()
                .all(|ch| ch.is_alphanumeric() || " _-./()".contains(ch))
    };
    (columns.len() >= 2 && columns.iter().all(is_name)).then_some(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_name_headers_are_repeated() {
        assert_eq!(
            header_columns("\u{feff}\"Site\",\"Secret Key\"\nx,y\n"),
            Some(vec!["Site".to_string(), "Secret Key".to_string()])
        );
        assert_eq!(header_columns("a=b,c\n"), None);
        assert_eq!(header_columns("onlyone\n"), None);
        assert_eq!(
            header_columns("host,sk_live_0123456789abcdef0123456789abcdef0\n"),
            None
        );
        assert_eq!(header_columns("host,p@ss\n"), None);
    }
}
