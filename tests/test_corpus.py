import pytest

from ser_utils.data.corpus import CorpusError, expected_stems, index_corpus, parse_name


def test_parse_good_name():
    u = parse_name("Actor_07/03-01-05-02-01-02-07.wav")
    assert (u.emotion, u.intensity, u.statement, u.repetition, u.actor) == (5, 2, 1, 2, 7)
    assert u.gender == "male"
    assert parse_name("03-01-01-01-01-01-24.flac").gender == "female"


@pytest.mark.parametrize("name, field", [
    ("03-01-09-01-01-01-01.wav", "emotion"),
    ("02-01-01-01-01-01-01.wav", "modality"),
    ("03-02-01-01-01-01-01.wav", "vocal_channel"),
    ("03-01-01-03-01-01-01.wav", "intensity"),
    ("03-01-01-01-03-01-01.wav", "statement"),
    ("03-01-01-01-01-03-01.wav", "repetition"),
    ("03-01-01-01-01-01-00.wav", "actor"),
    ("03-01-0x-01-01-01-01.wav", "emotion"),
])
def test_parse_bad_field_names_file_and_field(name, field):
    with pytest.raises(CorpusError) as err:
        parse_name(name)
    assert name in str(err.value) and f"field {field}" in str(err.value)


@pytest.mark.parametrize("name, words", [("03-01-01-01-01-01.wav", "7 two-digit fields"),
                                         ("03-01-01-01-01-01-01.mp3", "extension")])
def test_parse_bad_shape(name, words):
    with pytest.raises(CorpusError, match=words):
        parse_name(name)


def test_grid_has_60_files_per_actor():
    stems = expected_stems([1])
    assert len(stems) == 60 and len(set(stems)) == 60
    assert not any(s.startswith("03-01-01-02") for s in stems)  # neutral has no strong take


def test_index_official_layout_ignores_top_level_files(corpus_copy):
    (corpus_copy / "SHA256SUMS.wav").write_text("abc  ./Actor_01/03-01-01-01-01-01-01.wav\n")
    index = index_corpus(corpus_copy)
    assert len(index) == 120 and set(index["actor"]) == {1, 2}
    assert set(index["gender"]) == {"male", "female"}
    assert index["emotion"].value_counts()["neutral"] == 8


def test_index_flat_folder(synth_root, tmp_path):
    for p in list(synth_root.glob("Actor_01/*.wav"))[:5]:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "README.txt").write_text("not audio")
    assert len(index_corpus(tmp_path)) == 5


def test_index_rejects_actor_folder_mismatch(corpus_copy):
    src = next(corpus_copy.glob("Actor_01/*.wav"))
    src.rename(corpus_copy / "Actor_02" / src.name)
    with pytest.raises(CorpusError, match=r"field actor is 01 but the file lies in Actor_02"):
        index_corpus(corpus_copy)
