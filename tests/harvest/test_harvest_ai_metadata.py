"""Partners' AI metadata: Croissant 0.8-1.1, Hugging Face dataset cards, Frictionless data
packages; from a web folder, an index of URLs, a single URL and an upload."""

from __future__ import annotations

import json

from conftest import errors_of
from sqlalchemy import func, select

from catalog.models import Dataset, DatasetSource
from catalog.services import harvest as svc
from catalog.services import organizations
from catalog.services.authz import SYSTEM
from harvesters.pipeline import run_job

CARDS = ["squad", "ag_news", "conll2003", "wmt16", "librispeech_asr", "cifar10", "imdb", "glue"]


def test_croissant_folders_of_each_version(cat, server, harvest, fixtures):
    counts = {}
    for version in ("0.8", "1.0", "1.1"):
        out = harvest("croissant", server.url(f"files/croissant/{version}/"), name=f"cr-{version}")
        counts[version] = (out.counts.new, out.counts.errors)
    # every metadata.json is read; 1.0's huggingface-squad has no name (an error)
    assert counts["0.8"] == (14, 0)
    assert counts["1.0"] == (31, 1)
    assert counts["1.1"] == (14, 0)
    with cat.session() as s:
        titanic = s.execute(
            select(Dataset).where(Dataset.landing_page == "https://www.openml.org/d/40945")
        ).scalar_one()  # in 0.8 and in 1.0: one dataset with two sources
        assert titanic.kind == "training"
        assert titanic.license == "afl-3.0"
        assert "Titanic" in titanic.title
        links = s.execute(
            select(func.count())
            .select_from(DatasetSource)
            .where(DatasetSource.dataset_id == titanic.id)
        ).scalar_one()
        assert links == 2
        # record sets, fields and their files come through (issue 18)
        assert [r["name"] for r in titanic.record_sets] == [
            "genders",
            "embarkation_ports",
            "passengers",
        ]
        passengers = titanic.record_sets[2]
        assert passengers["file"].endswith("/titanic/data/titanic.csv")
        assert {"name": "survived", "data_type": "integer"}.items() <= next(
            f for f in passengers["fields"] if f["name"] == "survived"
        ).items()
        dices = s.execute(select(Dataset).where(Dataset.title == "DICES-350_dataset")).scalar_one()
        assert {"annotatorDemographics", "dataBiases"} <= set(dices.rai)
        coco = s.execute(select(Dataset).where(Dataset.title == "COCO")).scalar_one()
        assert "image" in coco.modalities
        assert coco.conforms_to == ["http://mlcommons.org/croissant/1.0"]
        assert any(d.download_url for d in coco.distributions)
        mri = s.execute(select(Dataset).where(Dataset.title == "MRI head scan")).scalar_one()
        assert mri.license == "MIT"  # a choosealicense.com URL
        total = s.execute(select(func.count()).select_from(Dataset)).scalar_one()
    assert total < 14 + 31 + 14  # the same datasets across versions are not listed twice


def test_dataset_cards_from_an_index_of_urls(cat, server, harvest):
    index = server.put(
        "cards.json",
        json.dumps([server.url(f"files/hf-cards/{c}.README.md") for c in CARDS]),
        "application/json",
    )
    out = harvest("hfcard", index)
    assert out.summary == f"done: {len(CARDS)} new, 0 updated, 0 unchanged, 0 withdrawn, 0 errors"
    with cat.session() as s:
        rows = {d.name: d for d in s.execute(select(Dataset)).scalars()}
    squad = rows["squad"]
    assert squad.title == "SQuAD"
    assert squad.task_categories == ["question_answering"] and squad.modalities == ["text"]
    assert squad.languages == ["en"] and squad.license == "CC-BY-4.0"
    assert squad.annotation_method == "crowdsourced"
    assert squad.landing_page == "https://rajpurkar.github.io/SQuAD-explorer/"
    assert squad.description.startswith("Stanford Question Answering Dataset")
    assert squad.citation.startswith("@article{2016arXiv160605250R")
    assert squad.sample_counts == {"train": 87599, "validation": 10570}
    assert squad.extras["size_categories"] == ["10K<n<100K"]
    assert rows["librispeech-asr"].task_categories == ["speech_recognition"]
    assert harvest("hfcard", index).counts.unchanged == len(CARDS)


def test_datapackage_over_http(cat, server, harvest):
    package = {
        "name": "baoding-bus-gps",
        "id": "https://data.example.cn/packages/bus-gps",
        "title": "保定公交车辆轨迹样本",
        "description": "公交车辆GPS轨迹，用于轨迹预测模型训练。",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "keywords": ["轨迹", "公交"],
        "version": "1.2.0",
        "created": "2024-03-18T09:00:00Z",
        "contributors": [{"title": "某交通科技公司", "role": "publisher"}],
        "resources": [
            {
                "name": "tracks",
                "path": "data/tracks.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "bytes": 1048576,
                "hash": "sha256:" + "a" * 64,
            },
            {
                "name": "stops",
                "path": "https://data.example.cn/files/stops.geojson",
                "format": "geojson",
            },
        ],
    }
    url = server.put(
        "pkg/datapackage.json", json.dumps(package, ensure_ascii=False), "application/json"
    )
    out = harvest("datapackage", url)
    assert (out.counts.new, out.counts.errors) == (1, 0)
    with cat.session() as s:
        ds = s.execute(select(Dataset)).scalar_one()
        assert (ds.name, ds.title, ds.license, ds.version) == (
            "baoding-bus-gps",
            "保定公交车辆轨迹样本",
            "CC-BY-4.0",
            "1.2.0",
        )
        assert ds.identifier == "https://data.example.cn/packages/bus-gps"
        assert ds.organization.title == "某交通科技公司"
        tracks, stops = ds.distributions
        assert tracks.download_url == server.url("gen/pkg/data/tracks.csv")  # resolved
        assert (tracks.checksum_algorithm, tracks.byte_size) == ("sha256", 1048576)
        assert stops.format == "GeoJSON"


def test_upload_by_a_partner_goes_to_review(cat, fixtures):
    org = organizations.create_organization(
        cat, SYSTEM, {"name": "ai-partner", "title": "某人工智能公司", "org_type": "enterprise"}
    )
    from catalog.models import Membership, User

    with cat.session() as s:
        user = User(email="a@example.com", name="A", password_hash="x", role="user")
        s.add(user)
        s.flush()
        s.add(Membership(user_id=user.id, organization_id=org.id, role="admin"))
    member = svc.Actor(id=user.id, role="user", org_roles={org.id: "admin"})
    data = (fixtures / "croissant/1.1/huggingface-squad_v2/metadata.json").read_bytes()
    job = svc.harvest_upload(
        cat,
        member,
        kind="croissant",
        filename="../squad v2.json",
        data=data,
        organization="ai-partner",
    )
    out = run_job(cat, svc.start_job(cat, job.id))
    assert (out.counts.new, out.counts.errors) == (1, 0), errors_of(cat, out.job_id)
    with cat.session() as s:
        ds = s.execute(select(Dataset)).scalar_one()
        assert (ds.status, ds.organization_id) == ("submitted", org.id)
        assert ds.task_categories == [] and ds.kind == "training"
    stored = cat.settings.instance_path / "uploads" / "ai-partner" / "croissant-squad_v2.json"
    assert stored.read_bytes() == data  # no path tricks in the name
    # the same upload again is the same source: nothing new
    again = svc.harvest_upload(
        cat,
        member,
        kind="croissant",
        filename="../squad v2.json",
        data=data,
        organization="ai-partner",
    )
    assert run_job(cat, svc.start_job(cat, again.id)).counts.unchanged == 1


def test_a_local_folder_of_croissant_files(cat, harvest, fixtures):
    out = harvest("croissant", str(fixtures / "croissant/0.8"), config={"identity": "file"})
    assert (out.counts.new, out.counts.errors) == (14, 0)
    with cat.session() as s:
        ids = set(s.execute(select(DatasetSource.source_record_id)).scalars())
    assert "titanic/metadata.json" in ids  # identity: the file's path in the folder


def test_a_harvested_training_set_sharing_a_test_file_is_flagged(cat, server, harvest):
    """Harvest batches insert rows in bulk: the contamination check runs for them too."""
    from catalog.models import ContaminationFinding
    from catalog.services import datasets

    organizations.create_organization(
        cat, SYSTEM, {"name": "bench-lab", "title": "评测实验室", "org_type": "enterprise"}
    )
    titanic_csv = "c617db2c7470716250f6f001be51304c76bcc8815527ab8bae734bdca0735737"
    datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": "titanic-test", "title": "泰坦尼克测试集", "organization": "bench-lab",
         "kind": "benchmark", "version": "1",
         "distributions": [{"title": "test", "download_url": "https://bench.example/t.csv",
                            "sha256": titanic_csv, "split": "test"}]},
        status="published",
    )  # fmt: skip
    out = harvest("croissant", server.url("files/croissant/1.0/"), name="cr-1.0")
    assert out.counts.errors == 1  # huggingface-squad has no name, as above
    with cat.session() as s:
        rows = s.execute(select(ContaminationFinding, Dataset).join(
            Dataset, Dataset.id == ContaminationFinding.training_id)).all()  # fmt: skip
    assert [(f.kind, f.evidence["sha256"], d.landing_page) for f, d in rows] == [
        ("file_hash", titanic_csv, "https://www.openml.org/d/40945")
    ]
