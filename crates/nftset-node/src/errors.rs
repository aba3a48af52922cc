//! Core errors as JavaScript `Error` objects with a stable `code` and the
//! fields callers branch on.

use napi::bindgen_prelude::{Object, Unknown};
use napi::{Env, JsValue};

use nftset_core::{Error, ErrorKind};

/// Creates the JavaScript error for `error` and wraps it so that a promise
/// rejects with that very object.
pub fn to_js(env: &Env, error: &Error) -> napi::Error {
    match build(env, error) {
        Ok(value) => napi::Error::from(value),
        Err(failure) => failure,
    }
}

fn build<'env>(env: &'env Env, error: &Error) -> napi::Result<Unknown<'env>> {
    let mut object: Object<'env> = env.create_error(napi::Error::new(
        napi::Status::GenericFailure,
        error.message.clone(),
    ))?;
    object.set("code", error.code())?;
    if let Some(errno) = error.kind.errno() {
        object.set("errno", errno)?;
    }
    if let Some(operation) = &error.operation {
        object.set("operation", operation.as_str())?;
    }
    if let Some(index) = error.operation_index {
        object.set("operationIndex", index as u32)?;
    }
    if let Some(target) = &error.target {
        set_nonempty(&mut object, "family", &target.family)?;
        set_nonempty(&mut object, "table", &target.table)?;
        set_nonempty(&mut object, "set", &target.set)?;
    }
    if let Some(index) = error.element_index {
        object.set("elementIndex", index as f64)?;
    }
    if let Some(element) = &error.element {
        object.set("element", element.as_str())?;
    }
    if let Some(line) = error.line {
        object.set("line", line as f64)?;
    }
    if let Some(index) = error.conflict_index {
        object.set("conflictIndex", index as f64)?;
    }
    if let Some(element) = &error.conflict_element {
        object.set("conflictElement", element.as_str())?;
    }
    if let Some(path) = &error.path {
        object.set("path", path.as_str())?;
    }
    if let Some(message) = &error.kernel_message {
        object.set("kernelMessage", message.as_str())?;
    }
    if let Some(index) = error.batch_index {
        object.set("batchIndex", index as f64)?;
    }
    if let Some(count) = error.batch_count {
        object.set("batchCount", count as f64)?;
    }
    if error.kind == ErrorKind::OutcomeUnknown {
        object.set("outcomeUnknown", true)?;
    }
    Ok(object.to_unknown())
}

fn set_nonempty(object: &mut Object<'_>, name: &str, value: &str) -> napi::Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    object.set(name, value)
}

/// Error for a panic caught on the connection thread.
pub fn panic_error(payload: Box<dyn std::any::Any + Send>) -> Error {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::new(
        ErrorKind::Internal,
        format!("internal error in nftset (please report it): {detail}"),
    )
}
