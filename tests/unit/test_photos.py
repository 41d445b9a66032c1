"""shared/photos.py: what a photo says about itself and the verdict on it, on photos the tests make."""
import io
from datetime import date, timedelta, timezone

import pytest
from PIL import Image

from shared import evidence, photos
from tests.support.photos import CENTRE, TWO_KM_AWAY, exif_for, heic, jpeg, local, reworked, scene
from tests.support.uploads import upload

TAKEN = local(2017, 5, 2, 10, 30, 0)
REPORTED = local(2017, 5, 6, 16, 0, 0)
HERE = photos.Position(*CENTRE)


def subject(**changes):
    base = {"centre_id": "js03-c01", "key": "p2_construction", "office": "丰庆路街道", "position": HERE,
            "phase_start": date(2017, 3, 1), "reported_at": REPORTED}
    return photos.Subject(**{**base, **changes})


def base_photo(seed=1, taken_at=TAKEN, position=CENTRE):
    return jpeg(scene(seed), exif_for(taken_at, position))


def earlier_of(content, **changes):
    facts = photos.read_photo(content)
    base = {"centre_id": "js08-c02", "key": "p2_construction", "office": "花园路街道",
            "centre_name": "农科路社区综合文化服务中心", "milestone_title": "主体施工"}
    return [photos.Earlier(phash=h, variant=i, **{**base, **changes}) for i, h in enumerate(facts.hashes)]


# --- reading -----------------------------------------------------------------------------------

def test_capture_time_and_gps_are_read_from_exif():
    facts = photos.read_photo(base_photo())
    assert facts.taken_at == TAKEN
    assert facts.position.lat == pytest.approx(CENTRE[0], abs=1e-5)
    assert facts.position.lng == pytest.approx(CENTRE[1], abs=1e-5)
    assert (facts.width, facts.height) == (1600, 1200)
    assert len(facts.hashes) == len(photos.CROPS)


def test_capture_time_without_offset_is_china_time_and_with_offset_keeps_it():
    without = photos.read_photo(jpeg(scene(1), exif_for(TAKEN, offset=False)))
    assert without.taken_at.utcoffset() == timedelta(hours=8)
    assert without.taken_at == TAKEN
    abroad = local(2017, 5, 2, 10, 30, 0).astimezone(timezone(timedelta(hours=-5)))
    facts = photos.read_photo(jpeg(scene(1), exif_for(abroad)))
    assert facts.taken_at.utcoffset() == timedelta(hours=-5)
    assert facts.taken_at == TAKEN


def test_southern_and_western_references_give_negative_degrees():
    facts = photos.read_photo(jpeg(scene(1), exif_for(None, (-33.8688, -70.6693))))
    assert facts.position.lat == pytest.approx(-33.8688, abs=1e-5)
    assert facts.position.lng == pytest.approx(-70.6693, abs=1e-5)
    assert facts.taken_at is None


def test_a_photo_without_exif_has_no_time_and_no_place():
    facts = photos.read_photo(jpeg(scene(1)))
    assert facts.taken_at is None and facts.position is None


def test_a_position_of_zero_zero_means_no_fix():
    assert photos.read_photo(jpeg(scene(1), exif_for(None, (0.0, 0.0)))).position is None


def test_a_pdf_or_garbage_is_no_photo():
    assert photos.read_photo(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n") is None
    assert photos.thumbnail(b"\xff\xd8\xff\xe0 not really a jpeg") is None


def test_heic_is_recognised_by_its_ftyp_box_and_read():
    content = heic(scene(1), exif_for(TAKEN, CENTRE))
    assert evidence.sniff(content) == "image/heic"
    assert evidence.sniff(base_photo()) == "image/jpeg"
    assert evidence.sniff(b"\x00\x00\x00\x18ftypmp42\x00\x00") is None  # a video, not a photo
    checked = evidence.check_uploads([upload("IMG_0001.HEIC", content)])
    assert checked[0][0]["content_type"] == "image/heic"
    facts = photos.read_photo(content)
    assert facts.taken_at == TAKEN
    assert photos.distance_m(facts.position, HERE) < 5
    thumb = photos.thumbnail(content)
    assert thumb.startswith(b"\xff\xd8\xff")
    assert max(Image.open(io.BytesIO(thumb)).size) == photos.THUMBNAIL_MAX_PX


# --- thumbnails ----------------------------------------------------------------------------------

def test_the_thumbnail_is_a_small_upright_jpeg():
    exif = exif_for(TAKEN, CENTRE)
    exif[0x0112] = 6  # the camera was turned: the picture must be rotated by 90 degrees to show upright
    content = jpeg(scene(1, noise=60), exif, quality=95)
    thumb = photos.thumbnail(content)
    image = Image.open(io.BytesIO(thumb))
    assert image.format == "JPEG"
    assert image.size == (240, 320)  # landscape pixels, shown portrait
    assert len(thumb) < len(content) / 10


def test_a_png_with_transparency_gets_a_white_background():
    image = Image.new("RGBA", (500, 400), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    thumb = Image.open(io.BytesIO(photos.thumbnail(out.getvalue())))
    assert thumb.mode == "RGB" and thumb.getpixel((10, 10)) == (255, 255, 255)


# --- sameness ------------------------------------------------------------------------------------

def test_bands_split_the_hash_into_four_sixteen_bit_numbers():
    value = 0x0123_4567_89AB_CDEF
    assert photos.bands(value) == (0x0123, 0x4567, 0x89AB, 0xCDEF)
    assert photos.from_bands(photos.bands(value)) == value
    assert photos.hamming(0b1011, 0b0110) == 3


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_a_copy_reencoded_resized_and_cropped_is_the_same_picture_and_shares_a_band(seed):
    original = photos.read_photo(base_photo(seed))
    copy = photos.crop_hashes(reworked(scene(seed)))
    best = min((photos.closeness(copy, h, i), i) for i, h in enumerate(original.hashes))
    assert best[0] <= photos.DUPLICATE_MAX_BITS
    # the store finds it: one of the copy's hashes shares a band with the matching stored hash
    matching = original.hashes[best[1]]
    assert any(set(photos.bands(h)) & set(photos.bands(matching)) for h in copy)


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4), (5, 6), (7, 8)])
def test_a_different_photo_of_a_similar_scene_is_not_the_same_picture(seeds):
    one = photos.read_photo(base_photo(seeds[0]))
    other = photos.read_photo(base_photo(seeds[1]))
    assert min(photos.closeness(one.hashes, h, i) for i, h in enumerate(other.hashes)) > photos.DUPLICATE_MAX_BITS


# --- place ---------------------------------------------------------------------------------------

def test_haversine_distance_and_how_it_is_said():
    assert photos.distance_m(HERE, photos.Position(*TWO_KM_AWAY)) == pytest.approx(2100, rel=0.05)
    assert photos.distance_m(photos.Position(0, 0), photos.Position(0, 1)) == pytest.approx(111_195, rel=0.001)
    assert photos.say_distance(2134) == "约 2.1 公里"
    assert photos.say_distance(618) == "约 620 米"
    assert photos.say_distance(3) == "不到 10 米"
    assert photos.say_position(photos.Position(34.74661, -113.62531)) == "北纬 34.7466°，西经 113.6253°"


# --- the judgement -------------------------------------------------------------------------------

def test_a_photo_taken_at_the_centre_during_the_phase_is_not_doubtful():
    verdict = photos.judge(photos.read_photo(base_photo()), None, subject(), [])
    assert verdict.as_dict() == {"doubtful": False, "flags": [], "notes": [], "distance_m": 0,
                                 "place": "距中心不到 10 米（照片定位）"}


def test_a_photo_two_kilometres_away_is_doubtful_with_the_distance_in_words():
    verdict = photos.judge(photos.read_photo(base_photo(position=TWO_KM_AWAY)), None, subject(), [])
    assert verdict.doubtful
    assert [f.code for f in verdict.flags] == ["far"]
    assert verdict.flags[0].reason == "拍摄地点距中心约 2.1 公里（照片定位，超过 500 米）"


def test_a_photo_taken_a_year_early_is_doubtful():
    year_early = photos.read_photo(base_photo(taken_at=local(2016, 5, 2, 10, 0, 0)))
    verdict = photos.judge(year_early, None, subject(), [])
    assert [f.reason for f in verdict.flags] == ["拍摄时间 2016-05-02 早于本阶段开始（2017-03-01）"]
    # inside the phase but older than the limit before the report
    old = photos.read_photo(base_photo(taken_at=local(2017, 3, 10, 10, 0, 0)))
    assert [f.reason for f in photos.judge(old, None, subject(), []).flags] == ["拍摄时间 2017-03-10 早于填报 30 天以上"]


def test_a_capture_after_the_receipt_is_doubtful_but_a_slow_camera_clock_is_not():
    late = photos.read_photo(base_photo(taken_at=REPORTED + timedelta(days=3)))
    assert [f.code for f in photos.judge(late, None, subject(), []).flags] == ["after_receipt"]
    skewed = photos.read_photo(base_photo(taken_at=REPORTED + timedelta(hours=2)))
    assert not photos.judge(skewed, None, subject(), []).doubtful


def test_without_exif_the_phone_position_is_used_and_what_is_missing_is_said():
    bare = photos.read_photo(jpeg(scene(1)))
    near = photos.judge(bare, photos.Position(CENTRE[0] + 0.001, CENTRE[1], 20), subject(), [])
    assert not near.doubtful and near.notes == ("照片未带拍摄时间",)
    assert 100 < near.distance_m < 120
    far = photos.judge(bare, photos.Position(*TWO_KM_AWAY, 30), subject(), [])
    assert [f.reason for f in far.flags] == ["拍摄地点距中心约 2.1 公里（拍摄时的手机定位，超过 500 米）"]
    vague = photos.judge(bare, photos.Position(*TWO_KM_AWAY, 3000), subject(), [])
    assert not vague.doubtful and "定位精度不足" in vague.notes[0]
    nothing = photos.judge(bare, None, subject(), [])
    assert not nothing.doubtful and nothing.notes == ("照片未带拍摄位置", "照片未带拍摄时间")


def test_a_centre_without_coordinates_is_said_not_judged():
    verdict = photos.judge(photos.read_photo(base_photo(position=TWO_KM_AWAY)), None, subject(position=None), [])
    assert not verdict.doubtful and verdict.notes == ("中心尚未设置坐标，未核对拍摄地点",)
    assert verdict.place.startswith("北纬 34.759")


def test_the_same_picture_as_another_centres_photo_names_that_centre_and_milestone():
    earlier = earlier_of(base_photo(1))
    copy = photos.read_photo(jpeg(reworked(scene(1)), exif_for(TAKEN, CENTRE)))
    verdict = photos.judge(copy, None, subject(), earlier)
    assert [f.reason for f in verdict.flags] == ["与花园路街道农科路社区综合文化服务中心“主体施工”的照片相同"]
    assert "js08" not in verdict.flags[0].reason
    same_office = photos.judge(copy, None, subject(), earlier_of(base_photo(1), office="丰庆路街道"))
    assert same_office.flags[0].reason == "与农科路社区综合文化服务中心“主体施工”的照片相同"
    other_step = photos.judge(copy, None, subject(), earlier_of(base_photo(1), centre_id="js03-c01", key="p1_site",
                                                               milestone_title="选址"))
    assert other_step.flags[0].reason == "与本中心“选址”的照片相同"


def test_the_same_picture_again_for_the_same_milestone_is_no_reuse():
    earlier = earlier_of(base_photo(1), centre_id="js03-c01", key="p2_construction")
    assert not photos.judge(photos.read_photo(base_photo(1)), None, subject(), earlier).doubtful


def test_a_different_photo_of_a_similar_scene_is_no_reuse():
    assert not photos.judge(photos.read_photo(base_photo(2)), None, subject(), earlier_of(base_photo(1))).doubtful
