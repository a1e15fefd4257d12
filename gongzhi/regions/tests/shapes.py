"""Small GeoJSON shapes for the region tests (grids of the `tree` fixture are 0.01° squares)."""


def rect(lon, lat, width, height):
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + width, lat], [lon + width, lat + height], [lon, lat + height],
                         [lon, lat]]],
    }


def square(lon, lat, size=0.01):
    return rect(lon, lat, size, size)


def bowtie(lon, lat, size=0.01):
    """A self-intersecting ring: its edges cross at the centre."""
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat + size], [lon + size, lat], [lon, lat + size], [lon, lat]]],
    }


# Points inside the three grids of the `tree` fixture.
IN_A1 = (116.445, 39.905)
IN_A2 = (116.455, 39.905)
IN_B1 = (116.445, 39.915)
NOWHERE = (116.30, 39.80)
