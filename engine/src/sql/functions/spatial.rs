//! The spatial functions: constructors (ST_GeomFromText, ST_GeomFromWKB, POINT, ...),
//! output (ST_AsText, ST_AsBinary, ST_AsGeoJSON), properties (ST_X, ST_SRID, ...) and
//! the planar measures and predicates (ST_Distance, ST_Contains, MBRContains, ...).
//!
//! Geometry values are MySQL's internal format (SRID then WKB, see
//! [`crate::value::geometry`]); a function given bytes that are not a geometry answers
//! MySQL's 3037, two geometries of different SRIDs 3033, and a geometry of a type the
//! function does not take 3516. Every computation is Cartesian: for the geographic SRID
//! 4326 WKT and WKB in and out, ST_X and ST_Y follow MySQL's latitude-longitude axis
//! order, but the measures and predicates, which MySQL computes on the ellipsoid, are 1235
//! rather than a planar answer (see the README's "Not yet").

use super::{int_arg, text, Func};
use crate::sql::error::{SqlError, SqlResult};
use crate::sql::expr::{ColType, EvalCx};
use crate::value::geometry::{self as geo, Geom, GeomKind, Pt};
use crate::value::{IntKind, LobKind, SqlType, Value};

/// The result type of a function of this family; `None` for other functions.
pub(super) fn result_type(f: Func) -> Option<ColType> {
    use Func::*;
    let geometry = Some(SqlType::Geometry {
        kind: GeomKind::Geometry,
        srid: None,
    });
    let double = Some(SqlType::Double);
    let int = Some(SqlType::Int {
        kind: IntKind::Int,
        unsigned: false,
        width: Some(1),
    });
    Some(match f {
        StGeomFromText | StPointFromText | StLineFromText | StPolyFromText | StGeomFromWkb
        | StGeomFromGeoJson | Point | LineString | Polygon | MultiPoint | MultiLineString
        | MultiPolygon | GeomCollection | StEnvelope => geometry,
        StAsText | StGeometryType => Some(SqlType::Text {
            kind: LobKind::Long,
            collation: crate::value::Collation::Utf8mb4GeneralCi,
        }),
        StAsBinary => Some(SqlType::Blob {
            kind: LobKind::Long,
        }),
        StAsGeoJson => Some(SqlType::Json),
        // ST_X(p, x) and ST_SRID(g, n) are mutators; the binder sees one type, and
        // the value shows which (a double or a geometry).
        StX | StY | StLength | StArea | StDistance => double,
        StSrid | StNumPoints => Some(SqlType::Int {
            kind: IntKind::Big,
            unsigned: true,
            width: None,
        }),
        StIsEmpty | StContains | StWithin | StIntersects | StDisjoint | MbrContains | MbrWithin
        | MbrIntersects | MbrDisjoint | MbrEquals => int,
        _ => return None,
    })
}

fn name(f: Func) -> String {
    f.name().to_ascii_lowercase()
}

fn invalid(f: Func) -> SqlError {
    SqlError::new(
        3037,
        format!("Invalid GIS data provided to function {}.", name(f)),
    )
}

fn unexpected(f: Func, want: &str, got: &Geom) -> SqlError {
    SqlError::new(
        3516,
        format!(
            "{want} value is a geometry of unexpected type {} in {}.",
            got.type_name(),
            name(f)
        ),
    )
}

/// The geometry an argument holds (its SRID and value).
fn geom(f: Func, v: &Value) -> SqlResult<(u32, Geom)> {
    match v {
        Value::Bytes(b) => geo::decode(b).ok_or_else(|| invalid(f)),
        _ => Err(invalid(f)),
    }
}

fn out(srid: u32, g: &Geom) -> Value {
    Value::Bytes(geo::encode(srid, g))
}

/// The SRID argument of the `..FromText` / `..FromWKB` family (0 when absent).
fn srid_arg(a: &[Value]) -> SqlResult<u32> {
    match a.get(1) {
        None => Ok(0),
        Some(v) => {
            let n = int_arg(v).unwrap_or(0);
            let n = u32::try_from(n).map_err(|_| {
                SqlError::new(
                    1690,
                    format!("SRID value is out of range in '{}'", "st_geomfromtext"),
                )
            })?;
            if !geo::KNOWN_SRIDS.contains(&n) {
                return Err(SqlError::new(
                    3548,
                    format!("There's no spatial reference system with SRID {n}."),
                ));
            }
            Ok(n)
        }
    }
}

/// A geometry for a measure: 1235 for a geographic one (no geodesic computations).
fn planar(f: Func, v: &Value) -> SqlResult<(u32, Geom)> {
    let (srid, g) = geom(f, v)?;
    if geo::is_geographic(srid) {
        return Err(SqlError::new(
            1235,
            format!(
                "This version of Borealis doesn't yet support '{}' on a geographic spatial reference system (SRID {srid})",
                name(f)
            ),
        ));
    }
    Ok((srid, g))
}

/// Two geometries of one SRID (3033 otherwise), for a measure.
fn pair(f: Func, a: &Value, b: &Value) -> SqlResult<(u32, Geom, Geom)> {
    let (sa, ga) = geom(f, a)?;
    let (sb, gb) = geom(f, b)?;
    if sa != sb {
        return Err(SqlError::new(
            3033,
            format!(
                "Binary geometry function {} given two geometries of different srids: {sa} and {sb}, which should have been identical.",
                name(f)
            ),
        ));
    }
    planar(f, a)?;
    Ok((sa, ga, gb))
}

fn flag(b: bool) -> Value {
    Value::Int(i64::from(b))
}

fn boxes(a: &Geom, b: &Geom) -> Option<((Pt, Pt), (Pt, Pt))> {
    Some((a.mbr()?, b.mbr()?))
}

/// Evaluates a function of this family; `None` for other functions.
pub(super) fn call(f: Func, a: &[Value], _cx: &EvalCx) -> Option<SqlResult<Value>> {
    result_type(f)?;
    if a.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(eval(f, a))
}

fn eval(f: Func, a: &[Value]) -> SqlResult<Value> {
    use Func::*;
    let null = Value::Null;
    let arg = |i: usize| a.get(i).unwrap_or(&null);
    Ok(match f {
        StGeomFromText | StPointFromText | StLineFromText | StPolyFromText => {
            let t = text(arg(0)).unwrap_or_default();
            let g = geo::parse_wkt(&t).ok_or_else(|| invalid(f))?;
            let want = match f {
                StPointFromText => Some(GeomKind::Point),
                StLineFromText => Some(GeomKind::LineString),
                StPolyFromText => Some(GeomKind::Polygon),
                _ => None,
            };
            if want.is_some_and(|k| k != g.kind()) {
                return Err(invalid(f));
            }
            from_srs_order(srid_arg(a)?, g)
        }
        StGeomFromWkb => {
            let b = text(arg(0)).unwrap_or_default();
            let g = geo::parse_wkb(&b).ok_or_else(|| invalid(f))?;
            from_srs_order(srid_arg(a)?, g)
        }
        StGeomFromGeoJson => {
            let t = text(arg(0)).unwrap_or_default();
            let g = from_geojson(&t).ok_or_else(|| invalid(f))?;
            // GeoJSON's coordinates are WGS 84 (MySQL's default SRID here is 4326).
            out(4326, &g)
        }
        Point => {
            let (x, y) = (arg(0).to_f64(), arg(1).to_f64());
            match (x, y) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                    out(0, &Geom::Point(Pt { x, y }))
                }
                _ => return Err(invalid(f)),
            }
        }
        LineString | MultiPoint => {
            let mut ps = Vec::with_capacity(a.len());
            for v in a {
                match geom(f, v)?.1 {
                    Geom::Point(p) => ps.push(p),
                    other => return Err(unexpected(f, "POINT", &other)),
                }
            }
            let g = if f == LineString {
                Geom::LineString(ps)
            } else {
                Geom::MultiPoint(ps)
            };
            checked(f, g)?
        }
        Polygon | MultiLineString => {
            let mut ls = Vec::with_capacity(a.len());
            for v in a {
                match geom(f, v)?.1 {
                    Geom::LineString(l) => ls.push(l),
                    other => return Err(unexpected(f, "LINESTRING", &other)),
                }
            }
            let g = if f == Polygon {
                Geom::Polygon(ls)
            } else {
                Geom::MultiLineString(ls)
            };
            checked(f, g)?
        }
        MultiPolygon => {
            let mut ps = Vec::with_capacity(a.len());
            for v in a {
                match geom(f, v)?.1 {
                    Geom::Polygon(p) => ps.push(p),
                    other => return Err(unexpected(f, "POLYGON", &other)),
                }
            }
            checked(f, Geom::MultiPolygon(ps))?
        }
        GeomCollection => {
            let gs = a
                .iter()
                .map(|v| geom(f, v).map(|g| g.1))
                .collect::<SqlResult<Vec<_>>>()?;
            out(0, &Geom::Collection(gs))
        }
        StAsText => Value::Bytes(geo::to_wkt(&srs_order(geom(f, arg(0))?)).into_bytes()),
        StAsBinary => Value::Bytes(geo::to_wkb(&srs_order(geom(f, arg(0))?))),
        StAsGeoJson => {
            let g = geom(f, arg(0))?.1;
            let digits = match a.get(1) {
                Some(v) => int_arg(v).unwrap_or(0).clamp(0, 17) as usize,
                None => 17,
            };
            Value::Bytes(to_geojson(&g, digits).into_bytes())
        }
        StX | StY => {
            let (srid, g) = geom(f, arg(0))?;
            let Geom::Point(p) = g else {
                return Err(unexpected(f, "POINT", &g));
            };
            // ST_X is the first coordinate in the system's axis order.
            let first = (f == StX) != geo::is_geographic(srid);
            match a.get(1) {
                None => Value::Double(if first { p.x } else { p.y }),
                Some(v) => {
                    let n = v.to_f64().filter(|n| n.is_finite()).ok_or_else(|| {
                        SqlError::new(
                            1690,
                            format!("DOUBLE value is out of range in '{}'", name(f)),
                        )
                    })?;
                    let p = if first {
                        Pt { x: n, y: p.y }
                    } else {
                        Pt { x: p.x, y: n }
                    };
                    out(srid, &Geom::Point(p))
                }
            }
        }
        StSrid => {
            let (srid, g) = geom(f, arg(0))?;
            match a.get(1) {
                None => Value::UInt(u64::from(srid)),
                Some(_) => out(srid_arg(a)?, &g),
            }
        }
        StGeometryType => Value::Bytes(geom(f, arg(0))?.1.type_name().as_bytes().to_vec()),
        StIsEmpty => flag(geom(f, arg(0))?.1.is_empty()),
        StNumPoints => match geom(f, arg(0))?.1 {
            Geom::LineString(l) => Value::UInt(l.len() as u64),
            other => return Err(unexpected(f, "LINESTRING", &other)),
        },
        StLength => {
            let g = planar(f, arg(0))?.1;
            match geo::length(&g) {
                Some(l) => Value::Double(l),
                None => return Err(unexpected(f, "LINESTRING", &g)),
            }
        }
        StArea => {
            let g = planar(f, arg(0))?.1;
            match (&g, geo::area(&g)) {
                (Geom::Polygon(_) | Geom::MultiPolygon(_), Some(x)) => Value::Double(x),
                _ => return Err(unexpected(f, "POLYGON", &g)),
            }
        }
        StDistance => {
            let (_, ga, gb) = pair(f, arg(0), arg(1))?;
            match geo::distance(&ga, &gb) {
                Some(d) => Value::Double(d),
                None => Value::Null,
            }
        }
        StContains | StWithin => {
            let (_, ga, gb) = pair(f, arg(0), arg(1))?;
            flag(if f == StContains {
                geo::contains(&ga, &gb)
            } else {
                geo::contains(&gb, &ga)
            })
        }
        StIntersects | StDisjoint => {
            let (_, ga, gb) = pair(f, arg(0), arg(1))?;
            let meets = geo::distance(&ga, &gb) == Some(0.0);
            flag(meets == (f == StIntersects))
        }
        MbrContains | MbrWithin | MbrIntersects | MbrDisjoint | MbrEquals => {
            let (_, ga, gb) = pair(f, arg(0), arg(1))?;
            let Some(((alo, ahi), (blo, bhi))) = boxes(&ga, &gb) else {
                return Ok(Value::Null);
            };
            let inside = |lo: Pt, hi: Pt, l2: Pt, h2: Pt| {
                l2.x >= lo.x && l2.y >= lo.y && h2.x <= hi.x && h2.y <= hi.y
            };
            let meet = alo.x <= bhi.x && blo.x <= ahi.x && alo.y <= bhi.y && blo.y <= ahi.y;
            flag(match f {
                MbrContains => inside(alo, ahi, blo, bhi),
                MbrWithin => inside(blo, bhi, alo, ahi),
                MbrIntersects => meet,
                MbrDisjoint => !meet,
                _ => alo == blo && ahi == bhi,
            })
        }
        StEnvelope => {
            let (srid, g) = planar(f, arg(0))?;
            match geo::envelope(&g) {
                Some(e) => out(srid, &e),
                None => out(srid, &g),
            }
        }
        _ => Value::Null,
    })
}

/// A geometry read in `srid`'s axis order (latitude first for 4326), as stored.
fn from_srs_order(srid: u32, mut g: Geom) -> Value {
    if geo::is_geographic(srid) {
        g.swap_axes();
    }
    out(srid, &g)
}

/// A stored geometry in its system's axis order, for WKT and WKB output.
fn srs_order((srid, mut g): (u32, Geom)) -> Geom {
    if geo::is_geographic(srid) {
        g.swap_axes();
    }
    g
}

/// A constructed geometry that must pass MySQL's structural checks (a line of two
/// points, closed rings); the constructors make SRID 0 values.
fn checked(f: Func, g: Geom) -> SqlResult<Value> {
    let v = geo::encode(0, &g);
    if geo::decode(&v).is_none() {
        return Err(invalid(f));
    }
    Ok(Value::Bytes(v))
}

/// A GeoJSON coordinate as MySQL writes it: a JSON double (`1.0`), rounded to `digits`
/// fraction digits.
fn gj_num(v: f64, digits: usize) -> String {
    let v = if digits < 17 {
        let r: f64 = format!("{v:.digits$}").parse().unwrap_or(v);
        if r == 0.0 {
            0.0
        } else {
            r
        }
    } else {
        v
    };
    crate::value::json::format_double(v)
}

fn to_geojson(g: &Geom, d: usize) -> String {
    let pt = |p: &Pt| format!("[{}, {}]", gj_num(p.x, d), gj_num(p.y, d));
    let line = |l: &[Pt]| format!("[{}]", l.iter().map(pt).collect::<Vec<_>>().join(", "));
    let poly = |p: &[Vec<Pt>]| {
        format!(
            "[{}]",
            p.iter().map(|r| line(r)).collect::<Vec<_>>().join(", ")
        )
    };
    let (kind, coords) = match g {
        Geom::Point(p) => ("Point", pt(p)),
        Geom::LineString(l) => ("LineString", line(l)),
        Geom::Polygon(p) => ("Polygon", poly(p)),
        Geom::MultiPoint(ps) => ("MultiPoint", line(ps)),
        Geom::MultiLineString(ls) => ("MultiLineString", poly(ls)),
        Geom::MultiPolygon(ps) => (
            "MultiPolygon",
            format!(
                "[{}]",
                ps.iter().map(|p| poly(p)).collect::<Vec<_>>().join(", ")
            ),
        ),
        Geom::Collection(gs) => {
            return format!(
                "{{\"type\": \"GeometryCollection\", \"geometries\": [{}]}}",
                gs.iter()
                    .map(|g| to_geojson(g, d))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    format!("{{\"type\": \"{kind}\", \"coordinates\": {coords}}}")
}

/// Reads a GeoJSON geometry object (through the JSON module's parser).
fn from_geojson(t: &[u8]) -> Option<Geom> {
    use crate::value::json::{self, Json};
    let doc = json::parse(t, json::Parse::Text).ok()?;
    fn member<'a>(o: &'a Json, k: &str) -> Option<&'a Json> {
        match o {
            Json::Object(m) => m.iter().find(|(n, _)| n == k).map(|(_, v)| v),
            _ => None,
        }
    }
    fn arr(v: &Json) -> Option<&[Json]> {
        match v {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }
    fn pt(v: &Json) -> Option<Pt> {
        let a = arr(v)?;
        let n = |j: &Json| j.as_f64();
        (a.len() >= 2).then_some(())?;
        Some(Pt {
            x: n(&a[0])?,
            y: n(&a[1])?,
        })
    }
    fn pts(v: &Json) -> Option<Vec<Pt>> {
        arr(v)?.iter().map(pt).collect()
    }
    fn rings(v: &Json) -> Option<Vec<Vec<Pt>>> {
        arr(v)?.iter().map(pts).collect()
    }
    fn one(o: &Json, depth: u32) -> Option<Geom> {
        if depth > 32 {
            return None;
        }
        let kind = match member(o, "type")? {
            Json::String(s) => s.as_str(),
            _ => return None,
        };
        if kind == "GeometryCollection" {
            let gs = arr(member(o, "geometries")?)?
                .iter()
                .map(|g| one(g, depth + 1))
                .collect::<Option<_>>()?;
            return Some(Geom::Collection(gs));
        }
        let c = member(o, "coordinates")?;
        Some(match kind {
            "Point" => Geom::Point(pt(c)?),
            "LineString" => Geom::LineString(pts(c)?),
            "Polygon" => Geom::Polygon(rings(c)?),
            "MultiPoint" => Geom::MultiPoint(pts(c)?),
            "MultiLineString" => Geom::MultiLineString(rings(c)?),
            "MultiPolygon" => Geom::MultiPolygon(arr(c)?.iter().map(rings).collect::<Option<_>>()?),
            _ => return None,
        })
    }
    let g = one(&doc, 0)?;
    // Through WKB once, for the structural checks.
    geo::parse_wkb(&geo::to_wkb(&g))
}
