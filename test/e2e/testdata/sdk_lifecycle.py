"""Drive an image through its life with openstacksdk, as a user script would.

Usage: sdk_lifecycle.py ENDPOINT IMAGE_FILE NAME

Talks to the Image API at ENDPOINT without Keystone and prints one JSON
object on stdout describing what each step saw. Any unexpected failure
ends the script with a traceback and a non-zero exit code.
"""

import hashlib
import json
import os
import sys
import tempfile

import openstack
from openstack import exceptions


def digests(data):
    return {
        "md5": hashlib.md5(data).hexdigest(),
        "sha512": hashlib.sha512(data).hexdigest(),
        "size": len(data),
    }


def view(image):
    return {
        "id": image.id,
        "name": image.name,
        "status": image.status,
        "size": image.size,
        "checksum": image.checksum,
        "hash_algo": image.hash_algo,
        "hash_value": image.hash_value,
        "disk_format": image.disk_format,
        "container_format": image.container_format,
        "min_ram": image.min_ram,
        "min_disk": image.min_disk,
        "visibility": image.visibility,
        "owner": image.owner_id,
        "tags": sorted(image.tags or []),
        "properties": {k: v for k, v in (image.properties or {}).items()
                       if isinstance(v, str)},
        "os_distro": image.os_distro,
    }


def main():
    endpoint, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
    conn = openstack.connection.Connection(
        auth_type="none",
        auth={"endpoint": endpoint},
        image_endpoint_override=endpoint,
        image_api_version="2",
    )
    with open(path, "rb") as f:
        want = digests(f.read())
    out = {"input": want}

    with open(path, "rb") as data:
        created = conn.image.create_image(
            name,
            data=data,
            disk_format="qcow2",
            container_format="bare",
            allow_duplicates=True,
            tags=["sdk"],
            os_distro="fedora",
        )
    out["created"] = view(created)
    image_id = created.id

    out["got"] = view(conn.image.get_image(image_id))
    out["listed"] = [i.id for i in conn.image.images()]
    out["listed_by_name"] = [i.id for i in conn.image.images(name=name)]
    found = conn.image.find_image(name)
    out["found"] = found.id if found else None

    conn.image.update_image(image_id, os_distro="arch", sdk_key="sdk-value",
                            min_ram=512)
    conn.image.add_tag(image_id, "extra")
    conn.image.remove_tag(image_id, "sdk")
    out["updated"] = view(conn.image.get_image(image_id))

    # In memory: the SDK checks the bytes against Content-MD5 itself.
    resp = conn.image.download_image(image_id)
    out["downloaded"] = digests(resp.content)
    # To a file, the way "openstack image save" does.
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "out.img")
        conn.image.download_image(image_id, output=target, chunk_size=65536)
        with open(target, "rb") as f:
            out["saved"] = digests(f.read())

    conn.image.deactivate_image(image_id)
    out["deactivated_status"] = conn.image.get_image(image_id).status
    conn.image.reactivate_image(image_id)
    out["reactivated_status"] = conn.image.get_image(image_id).status

    conn.image.delete_image(image_id, ignore_missing=False)
    try:
        conn.image.get_image(image_id)
        out["get_after_delete"] = "found"
    except exceptions.ResourceNotFound as e:
        out["get_after_delete"] = "not found: %s" % e
    out["find_after_delete"] = conn.image.find_image(image_id)
    try:
        conn.image.delete_image(image_id, ignore_missing=False)
        out["delete_again"] = "deleted"
    except exceptions.ResourceNotFound:
        out["delete_again"] = "not found"

    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
