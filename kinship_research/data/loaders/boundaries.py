"""TopoJSON boundaries (world-atlas, us-atlas) as GeoDataFrames in longitude/latitude (EPSG:4326).

GDAL reads TopoJSON; each file holds named layers (``countries``; ``states``, ``counties``,
``nation``). Countries get ``iso3`` from their ISO 3166 numeric id (pycountry; Kosovo and
northern Cyprus have none and keep a missing code); US units get FIPS codes and state codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pycountry

from kinship_research.data.codes import STATES


def _read(path: Path, layer: str):
    import geopandas as gpd

    frame = gpd.read_file(path, layer=layer)
    return frame.set_crs("EPSG:4326", allow_override=True)


def world_countries(path: Path, entry):
    """241 countries and territories (Natural Earth 1:50m): iso_numeric, iso3, name, geometry."""
    frame = _read(path, "countries").rename(columns={"id": "iso_numeric"})
    numeric_to_iso3 = {c.numeric: c.alpha_3 for c in pycountry.countries}
    frame["iso3"] = frame["iso_numeric"].map(numeric_to_iso3)
    return frame[["iso_numeric", "iso3", "name", "geometry"]]


def us_states(path: Path, entry):
    """56 states, DC and territories (Census 1:10m): state_fips, state, state_abbr, geometry."""
    frame = _read(path, "states").rename(columns={"id": "state_fips", "name": "state"})
    frame["state_abbr"] = frame["state_fips"].map(dict(zip(STATES["state_fips"], STATES["state_abbr"])))
    return frame[["state_fips", "state", "state_abbr", "geometry"]]


def us_counties(path: Path, entry):
    """About 3,230 counties (Census 1:10m): county_fips, state_fips, state_abbr, county, geometry."""
    frame = _read(path, "counties").rename(columns={"id": "county_fips", "name": "county"})
    frame["state_fips"] = frame["county_fips"].str[:2]
    frame["state_abbr"] = frame["state_fips"].map(dict(zip(STATES["state_fips"], STATES["state_abbr"])))
    return pd.DataFrame(frame)[["county_fips", "state_fips", "state_abbr", "county", "geometry"]].pipe(
        lambda d: frame.__class__(d, geometry="geometry", crs=frame.crs)
    )
