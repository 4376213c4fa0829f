import math
import xml.etree.ElementTree as ET

from pipeline.dashboard.svg import HEIGHT, learning_curve_svg

SVG = "{http://www.w3.org/2000/svg}"


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    root = ET.fromstring(svg)
    return [
        [tuple(map(float, point.split(","))) for point in line.get("points").split()]
        for line in root.iter(f"{SVG}polyline")
    ]


def test_each_loss_is_one_line_with_a_point_per_epoch_from_left_to_right():
    train, val = polylines(learning_curve_svg([2.0, 1.0, 0.5, 0.4], [2.1, 1.2, 0.9, 0.8], title="trial 3"))
    assert len(train) == len(val) == 4
    assert [x for x, _ in train] == [x for x, _ in val] == sorted(x for x, _ in train)


def test_a_higher_loss_is_drawn_higher_and_every_point_stays_inside_the_image():
    train, val = polylines(learning_curve_svg([2.0, 1.0, 0.5], [2.1, 1.2, 0.9], title="t"))
    assert train[0][1] < train[1][1] < train[2][1]  # SVG y grows downwards
    assert val[2][1] < train[2][1]  # validation 0.9 above training 0.5 at the last epoch
    assert all(0 <= y <= HEIGHT for _, y in train + val)


def test_the_title_is_escaped_text_in_the_image():
    svg = learning_curve_svg([1.0], [1.0], title="trial 7: pruned <early> & cheap")
    texts = ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "trial 7: pruned <early> & cheap" in texts


def test_a_single_epoch_or_non_finite_losses_still_make_a_valid_image():
    train, val = polylines(learning_curve_svg([math.nan], [0.7], title="one epoch"))
    assert train == [] and len(val) == 1
    assert all(math.isfinite(c) for point in val for c in point)
