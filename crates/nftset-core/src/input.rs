//! Owned element input, as it arrives from JavaScript or a file, kept so
//! that an error can quote the element exactly as the caller wrote it.

use crate::datatype::js_number;
use crate::element::{Counter, DurationInput, ElementFields, ElementInput, ELEMENT_MAX_BYTES};
use crate::key::FieldInput;

/// One field value: text in nft's syntax, or a number.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// nft's syntax: a value, prefix, range or wildcard.
    Text(String),
    /// A number, for integer types and durations in milliseconds.
    Number(f64),
}

impl Value {
    fn field(&self) -> FieldInput<'_> {
        match self {
            Value::Text(text) => FieldInput::Text(text),
            Value::Number(number) => FieldInput::Number(*number),
        }
    }

    fn duration(&self) -> DurationInput<'_> {
        match self {
            Value::Text(text) => DurationInput::Text(text),
            Value::Number(number) => DurationInput::Millis(*number),
        }
    }

    fn display(&self) -> String {
        match self {
            Value::Text(text) => text.clone(),
            Value::Number(number) => js_number(*number),
        }
    }
}

/// An element given field by field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    /// Key, one value per concatenated field.
    pub key: Vec<Value>,
    /// Map value, one value per concatenated field.
    pub value: Option<Vec<Value>>,
    /// Timeout: milliseconds or nft's duration text.
    pub timeout: Option<Value>,
    /// Initial expiry: milliseconds or nft's duration text.
    pub expires: Option<Value>,
    /// Comment.
    pub comment: Option<String>,
    /// Initial counter values.
    pub counter: Option<Counter>,
}

/// One element of a list that mixes the two forms.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// nft's element syntax.
    Text(String),
    /// Field by field.
    Fields(Fields),
}

/// The elements of one operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Elements {
    /// nft's element syntax, one element per line. Every line is an
    /// element, so an empty line is an error.
    Lines(String),
    /// Like [`Elements::Lines`], split into several strings at line
    /// boundaries, so that a caller can hand over a large list in pieces.
    Chunks(Vec<String>),
    /// The content of an element file: one element per line in nft's
    /// syntax, with blank lines and `#` comments skipped. A UTF-8 byte
    /// order mark at the start is skipped too.
    File(String),
    /// Elements given one by one, as text or field by field.
    Items(Vec<Item>),
}

impl Default for Elements {
    fn default() -> Self {
        Elements::Items(Vec::new())
    }
}

impl Elements {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Elements::Lines(text) => line_count(text),
            Elements::Chunks(chunks) => chunks.iter().map(|chunk| line_count(chunk)).sum(),
            Elements::File(text) => file_lines(text).count(),
            Elements::Items(items) => items.len(),
        }
    }

    /// Returns true when there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `each` with the index and borrowed input of every element, in
    /// order, and stops at the first error it returns.
    pub fn try_for_each<E>(
        &self,
        mut each: impl FnMut(usize, ElementInput<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Elements::Lines(text) => {
                for (index, line) in lines(text).enumerate() {
                    each(index, ElementInput::Text(line))?;
                }
                Ok(())
            }
            Elements::Chunks(chunks) => {
                let all = chunks.iter().flat_map(|chunk| lines(chunk));
                for (index, line) in all.enumerate() {
                    each(index, ElementInput::Text(line))?;
                }
                Ok(())
            }
            Elements::File(text) => {
                for (index, (_, line)) in file_lines(text).enumerate() {
                    each(index, ElementInput::Text(line))?;
                }
                Ok(())
            }
            Elements::Items(items) => {
                for (index, item) in items.iter().enumerate() {
                    let input = match item {
                        Item::Text(text) => ElementInput::Text(text),
                        Item::Fields(fields) => ElementInput::Fields(borrow(fields)),
                    };
                    each(index, input)?;
                }
                Ok(())
            }
        }
    }

    /// The element at `index` as the caller wrote it, for error messages.
    pub fn display(&self, index: usize) -> Option<String> {
        match self {
            Elements::Lines(text) => lines(text).nth(index).map(str::to_string),
            Elements::Chunks(chunks) => chunks
                .iter()
                .flat_map(|chunk| lines(chunk))
                .nth(index)
                .map(str::to_string),
            Elements::File(text) => file_lines(text)
                .nth(index)
                .map(|(_, line)| line.to_string()),
            Elements::Items(items) => items.get(index).map(|item| match item {
                Item::Text(text) => text.clone(),
                Item::Fields(fields) => display_fields(fields),
            }),
        }
    }

    /// The 1-based line of element `index` in an element file.
    pub fn line(&self, index: usize) -> Option<usize> {
        match self {
            Elements::File(text) => file_lines(text).nth(index).map(|(line, _)| line),
            _ => None,
        }
    }
}

fn line_count(text: &str) -> usize {
    if text.is_empty() {
        0
    } else {
        text.bytes().filter(|&b| b == b'\n').count() + 1
    }
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut parts = text.split('\n');
    if text.is_empty() {
        parts.next();
    }
    parts
}

/// The element lines of a file with their 1-based line numbers: comments
/// and white space removed, blank lines skipped. A `#` starts a comment at
/// the beginning of a line or after white space, outside double quotes.
///
/// A line longer than [`ELEMENT_MAX_BYTES`] is passed on whole, even if it
/// is a comment, so that parsing rejects it with its line number.
fn file_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // Windows editors start UTF-8 files with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n').enumerate().filter_map(|(number, line)| {
        if line.len() > ELEMENT_MAX_BYTES {
            return Some((number + 1, line));
        }
        let content = strip_comment(line).trim();
        (!content.is_empty()).then_some((number + 1, content))
    })
}

fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    let mut previous_space = true;
    for (at, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted && previous_space => return &line[..at],
            _ => {}
        }
        previous_space = c.is_whitespace();
    }
    line
}

fn borrow(fields: &Fields) -> ElementFields<'_> {
    ElementFields {
        key: fields.key.iter().map(Value::field).collect(),
        value: fields
            .value
            .as_ref()
            .map(|value| value.iter().map(Value::field).collect()),
        timeout: fields.timeout.as_ref().map(Value::duration),
        expires: fields.expires.as_ref().map(Value::duration),
        comment: fields.comment.as_deref(),
        counter: fields.counter,
    }
}

fn display_fields(fields: &Fields) -> String {
    let join = |values: &[Value]| {
        values
            .iter()
            .map(Value::display)
            .collect::<Vec<_>>()
            .join(" . ")
    };
    let mut text = join(&fields.key);
    if let Some(value) = &fields.value {
        text.push_str(" : ");
        text.push_str(&join(value));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(elements: &Elements) -> Vec<String> {
        let mut out = Vec::new();
        elements
            .try_for_each(|_, input| {
                if let ElementInput::Text(text) = input {
                    out.push(text.to_string());
                }
                Ok::<(), ()>(())
            })
            .unwrap();
        out
    }

    #[test]
    fn file_skips_byte_order_mark() {
        let file = Elements::File("\u{feff}192.0.2.1\n192.0.2.2\n".into());
        assert_eq!(texts(&file), ["192.0.2.1", "192.0.2.2"]);
        assert_eq!(file.display(0).as_deref(), Some("192.0.2.1"));
        assert_eq!(file.line(1), Some(2));
    }

    #[test]
    fn byte_order_mark_counts_only_at_the_start() {
        let file = Elements::File("192.0.2.1\n\u{feff}192.0.2.2\n".into());
        assert_eq!(texts(&file)[1], "\u{feff}192.0.2.2");
    }

    #[test]
    fn file_passes_long_lines_on_whole() {
        let long = format!("# {}", "x".repeat(ELEMENT_MAX_BYTES));
        let file = Elements::File(format!("192.0.2.1\n# short comment\n{long}\n"));
        assert_eq!(file.len(), 2);
        assert_eq!(file.line(1), Some(3));
        assert_eq!(texts(&file)[1], long);
    }

    #[test]
    fn numbers_display_as_javascript() {
        let fields = Fields {
            key: vec![Value::Text("192.0.2.1".into()), Value::Number(f64::NAN)],
            value: Some(vec![Value::Number(-1.0)]),
            ..Fields::default()
        };
        let items = Elements::Items(vec![Item::Fields(fields)]);
        assert_eq!(items.display(0).as_deref(), Some("192.0.2.1 . NaN : -1"));
    }
}
