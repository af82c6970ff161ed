//! Row filters: the subset of PartiQL that Lake Formation data cells filters accept, checked before
//! approval instead of discovered at grant time.
//!
//! Grammar (keywords case-insensitive):
//! ```text
//! expr      := and ( OR and )*
//! and       := not ( AND not )*
//! not       := NOT not | primary
//! primary   := '(' expr ')' | operand tail
//! tail      := cmp operand | [NOT] IN '(' literal (',' literal)* ')'
//!            | [NOT] BETWEEN operand AND operand | IS [NOT] NULL | [NOT] LIKE string
//! cmp       := = | <> | != | < | <= | > | >=
//! operand   := column | 'string' | number
//! ```
//! Column names must exist in the table. The expression is limited to 2,047 characters.

/// Lake Formation's limit on a filter expression (it must be under 2,048 characters).
pub const MAX_LEN: usize = 2047;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str,
    Num,
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn lex(s: &str) -> Result<Vec<(Tok, usize)>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => {
                out.push((Tok::LParen, start));
                i += 1;
            }
            b')' => {
                out.push((Tok::RParen, start));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, start));
                i += 1;
            }
            b'\'' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(format!("unterminated string starting at character {}", start + 1)),
                        Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.push((Tok::Str, start));
            }
            b'=' => {
                out.push((Tok::Op("="), start));
                i += 1;
            }
            b'<' | b'>' | b'!' => {
                let two = b.get(i + 1).copied();
                let op = match (c, two) {
                    (b'<', Some(b'>')) => "<>",
                    (b'<', Some(b'=')) => "<=",
                    (b'>', Some(b'=')) => ">=",
                    (b'!', Some(b'=')) => "!=",
                    (b'<', _) => "<",
                    (b'>', _) => ">",
                    _ => return Err(format!("unexpected '!' at character {}", start + 1)),
                };
                i += op.len();
                out.push((Tok::Op(op), start));
            }
            b'0'..=b'9' | b'-' | b'.' => {
                if c == b'-' {
                    i += 1;
                }
                let digits_start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i < b.len() && b[i] == b'.' {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let text = &s[digits_start..i];
                if text.is_empty() || text == "." || !text.bytes().any(|d| d.is_ascii_digit()) {
                    return Err(format!("malformed number at character {}", start + 1));
                }
                out.push((Tok::Num, start));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push((Tok::Ident(s[start..i].to_string()), start));
            }
            _ => {
                let ch = s[start..].chars().next().unwrap_or('?');
                return Err(format!("unexpected character {ch:?} at character {}", start + 1));
            }
        }
    }
    Ok(out)
}

const KEYWORDS: &[&str] = &["and", "or", "not", "in", "between", "is", "null", "like"];

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    columns: &'a [String],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> String {
        match self.toks.get(self.pos) {
            Some((_, p)) => format!("at character {}", p + 1),
            None => "at the end".to_string(),
        }
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.keyword(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.eat_keyword(kw) { Ok(()) } else { Err(format!("expected {} {}", kw.to_uppercase(), self.at())) }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), String> {
        if self.peek() == Some(&tok) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {what} {}", self.at()))
        }
    }

    fn expr(&mut self, depth: usize) -> Result<(), String> {
        if depth > 50 {
            return Err("the expression is nested too deeply".into());
        }
        self.and(depth)?;
        while self.eat_keyword("or") {
            self.and(depth)?;
        }
        Ok(())
    }

    fn and(&mut self, depth: usize) -> Result<(), String> {
        self.not(depth)?;
        while self.eat_keyword("and") {
            self.not(depth)?;
        }
        Ok(())
    }

    fn not(&mut self, depth: usize) -> Result<(), String> {
        if self.eat_keyword("not") {
            return self.not(depth + 1);
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<(), String> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            self.expr(depth + 1)?;
            return self.expect(Tok::RParen, "')'");
        }
        self.operand()?;
        if let Some(Tok::Op(_)) = self.peek() {
            self.pos += 1;
            return self.operand();
        }
        if self.eat_keyword("is") {
            self.eat_keyword("not");
            return self.expect_keyword("null");
        }
        let negated = self.eat_keyword("not");
        if self.eat_keyword("in") {
            self.expect(Tok::LParen, "'(' after IN")?;
            loop {
                self.literal()?;
                if self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            return self.expect(Tok::RParen, "')' closing the IN list");
        }
        if self.eat_keyword("between") {
            self.operand()?;
            self.expect_keyword("and")?;
            return self.operand();
        }
        if self.eat_keyword("like") {
            return match self.peek() {
                Some(Tok::Str) => {
                    self.pos += 1;
                    Ok(())
                }
                _ => Err(format!("expected a string pattern after LIKE {}", self.at())),
            };
        }
        Err(if negated {
            format!("expected IN, BETWEEN or LIKE after NOT {}", self.at())
        } else {
            format!("expected a comparison, IN, BETWEEN, IS [NOT] NULL or LIKE {}", self.at())
        })
    }

    fn literal(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Str | Tok::Num) => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(format!("expected a string or number literal {}", self.at())),
        }
    }

    fn operand(&mut self) -> Result<(), String> {
        match self.peek().cloned() {
            Some(Tok::Str | Tok::Num) => {
                self.pos += 1;
                Ok(())
            }
            Some(Tok::Ident(name)) if !KEYWORDS.iter().any(|k| name.eq_ignore_ascii_case(k)) => {
                if !self.columns.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                    return Err(format!("unknown column {name:?} {}", self.at()));
                }
                self.pos += 1;
                Ok(())
            }
            _ => Err(format!("expected a column name or a literal {}", self.at())),
        }
    }
}

/// Checks `filter` against the supported subset and the table's `columns`; the error says why not.
pub fn check(filter: &str, columns: &[String]) -> Result<(), String> {
    if filter.trim().is_empty() {
        return Err("the row filter is empty".into());
    }
    if filter.chars().count() > MAX_LEN {
        return Err(format!("Lake Formation accepts row filters of at most {MAX_LEN} characters"));
    }
    let toks = lex(filter)?;
    let mut p = Parser { toks, pos: 0, columns };
    p.expr(0)?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected text {}", p.at()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<String> {
        ["region", "amount", "country", "dt", "note"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn accepts_the_supported_subset() {
        for ok in [
            "region = 'EU'",
            "region <> 'EU' AND amount >= 10.5",
            "NOT (region != 'US' OR amount < -3)",
            "country IN ('FR', 'DE', 'it')",
            "country not in (1, 2)",
            "amount BETWEEN 1 AND 100",
            "note IS NULL or note is not null",
            "note LIKE 'a%' AND note NOT LIKE '%''x'",
            "((dt > '2024-01-01'))",
            "'EU' = region",
        ] {
            assert!(check(ok, &cols()).is_ok(), "{ok}: {:?}", check(ok, &cols()));
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "region",
            "region = ",
            "secret = 1",
            "region = 'EU",
            "region = 'EU' AND",
            "(region = 'EU'",
            "region = 'EU')",
            "region IN ()",
            "region IN (amount)",
            "amount BETWEEN 1",
            "region; DROP TABLE x",
            "region = 'EU' -- comment",
            "note LIKE region",
            "upper(region) = 'EU'",
            "region IS 'x'",
        ] {
            assert!(check(bad, &cols()).is_err(), "{bad:?} accepted");
        }
        let long = format!("region = '{}'", "x".repeat(2040));
        assert!(check(&long, &cols()).is_err());
        let deep = format!("{}region = 'x'{}", "(".repeat(60), ")".repeat(60));
        assert!(check(&deep, &cols()).is_err());
    }
}
