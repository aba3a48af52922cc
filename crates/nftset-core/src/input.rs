//! Owned element input, as it arrives from JavaScript or a file, kept so
//! that an error can quote the element exactly as the caller wrote it.

use crate::element::{Counter, DurationInput, ElementFields, ElementInput};
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
            Value::Number(number) => number.to_string(),
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
            Elements::Lines(text) if text.is_empty() => 0,
            Elements::Lines(text) => text.bytes().filter(|&b| b == b'\n').count() + 1,
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
            Elements::Lines(text) if text.is_empty() => Ok(()),
            Elements::Lines(text) => {
                for (index, line) in text.split('\n').enumerate() {
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
            Elements::Lines(text) => text.split('\n').nth(index).map(str::to_string),
            Elements::Items(items) => items.get(index).map(|item| match item {
                Item::Text(text) => text.clone(),
                Item::Fields(fields) => display_fields(fields),
            }),
        }
    }
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
