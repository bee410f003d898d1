import zipfile

import pooch
import pytest

from ser_utils.data import download
from ser_utils.data.download import DownloadError, extract_archive, fetch_archive, find_corpus, link_corpus


def _zip_of(root, target):
    with zipfile.ZipFile(target, "w") as zf:
        for p in sorted(root.rglob("*.wav"))[:10]:
            zf.write(p, p.relative_to(root))
    return target


def test_extract_archive(synth_root, tmp_path):
    archive = _zip_of(synth_root, tmp_path / "a.zip")
    out = extract_archive(archive, tmp_path / "ravdess")
    assert len(list(out.glob("Actor_01/*.wav"))) == 10
    with pytest.raises(DownloadError, match="already exists"):
        extract_archive(archive, tmp_path / "ravdess")


def test_half_downloaded_archive_leaves_nothing(synth_root, tmp_path):
    archive = _zip_of(synth_root, tmp_path / "a.zip")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DownloadError, match=r"a\.zip.*download again"):
        extract_archive(archive, tmp_path / "ravdess")
    assert not (tmp_path / "ravdess").exists() and not (tmp_path / "ravdess.partial").exists()


def test_offline_download_says_how_to_point_at_a_copy(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DownloadError, match="RAVDESS_DIR=/path/to/ravdess"):
        fetch_archive(folder=tmp_path)


def test_checksum_mismatch_names_the_archive(tmp_path, monkeypatch):
    def mismatch(*args, **kwargs):
        raise ValueError("MD5 hash of downloaded file does not match the known hash")

    monkeypatch.setattr(pooch, "retrieve", mismatch)
    with pytest.raises(DownloadError, match="Audio_Speech_Actors_01-24.zip.*does not match"):
        fetch_archive(folder=tmp_path)


def test_find_and_link(synth_root, tmp_path, monkeypatch):
    monkeypatch.setenv("SER_PROJECT_DIR", str(tmp_path))
    monkeypatch.delenv("RAVDESS_DIR", raising=False)
    assert find_corpus() is None
    monkeypatch.setenv("RAVDESS_DIR", str(synth_root))
    assert find_corpus() == synth_root
    monkeypatch.delenv("RAVDESS_DIR")
    link = link_corpus(synth_root)
    assert link.is_symlink() and link.resolve() == synth_root.resolve()
    assert find_corpus() == download.default_location()
    monkeypatch.setenv("RAVDESS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(Exception, match="nowhere: corpus folder not found"):
        find_corpus()
