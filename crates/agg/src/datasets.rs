//! How the reader treats a config's datasets: what counts as a missing
//! value, which datasets may be 2-D, and the column a filter reads.
//!
//! # Missing values
//! Each dataset (coordinate or variable) has its own fill value: its
//! `_FillValue` attribute, converted to the dataset's stored type (so a
//! float64 attribute on float32 data matches the stored float32 value, as
//! CF readers apply it), else the HDF5 fill value property when the file
//! defines one (libhdf5's implicit default of zero is not a fill value). A
//! value is missing when it equals its dataset's fill value or is not
//! finite (NaN, ±∞). An observation is used only when every source
//! variable and both coordinates are present: one missing variable leaves
//! the whole observation out, so every output of a cell describes the same
//! observations and `count` equals the observations the store records.
//! Filter datasets are not masked: a filter compares the stored value, fill
//! or not.

use magg_h5::{Dataset, Element, Error, ErrorKind};

/// The dataset's fill value as f64 (see the module docs), if it has one.
pub(crate) fn fill_of(ds: &Dataset) -> Option<f64> {
    match ds
        .attribute("_FillValue")
        .and_then(magg_h5::Attribute::as_f64)
    {
        Some(v) => Some(as_stored(ds, v)),
        None => ds.fill_value(),
    }
}

/// `v` converted to the dataset's stored numeric type and back to f64.
fn as_stored(ds: &Dataset, v: f64) -> f64 {
    fn via<T: Element + Into<f64>>(v: f64) -> f64 {
        T::from_f64(v).into()
    }
    match ds.dtype().numeric() {
        magg_h5::Dtype::Float { size: 4 | 2, .. } => via::<f32>(v),
        magg_h5::Dtype::Int { size, signed, .. } => match (size, signed) {
            (1, true) => via::<i8>(v),
            (1, false) => via::<u8>(v),
            (2, true) => via::<i16>(v),
            (2, false) => via::<u16>(v),
            (4, true) => via::<i32>(v),
            (4, false) => via::<u32>(v),
            (8, true) => i64::from_f64(v) as f64,
            _ => u64::from_f64(v) as f64,
        },
        _ => v,
    }
}

/// Checks that a coordinate or variable dataset holds one value per row.
pub(crate) fn one_per_row(ds: &Dataset) -> Result<(), Error> {
    if ds.row_len() == 1 {
        return Ok(());
    }
    Err(refuse(
        ds,
        format!(
            "has shape {:?}: coordinates and variables must be 1-D (a 2-D flag can be \
             compared in `filters` with `column:`)",
            ds.shape()
        ),
    ))
}

/// The values a filter reads from `ds`: column `column` of a 2-D dataset,
/// or a 1-D dataset whole.
pub(crate) fn filter_values(ds: Dataset, column: Option<u64>) -> Result<Dataset, Error> {
    match (ds.shape().len(), column) {
        (2, Some(k)) => ds.column(k),
        (2, None) => Err(refuse(
            &ds,
            format!(
                "has shape {:?}: a filter on a 2-D dataset needs `column:`",
                ds.shape()
            ),
        )),
        (_, Some(k)) => Err(refuse(
            &ds,
            format!(
                "has shape {:?}: `column: {k}` is only for 2-D datasets",
                ds.shape()
            ),
        )),
        (_, None) => {
            one_per_row(&ds)?;
            Ok(ds)
        }
    }
}

fn refuse(ds: &Dataset, message: String) -> Error {
    Error {
        file: ds.file().name().to_string(),
        object: ds.path().to_string(),
        kind: ErrorKind::BadRequest(message),
    }
}
