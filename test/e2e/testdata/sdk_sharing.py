"""Share an image between two projects with openstacksdk, as users would.

Usage: sdk_sharing.py AUTH_URL REGION OWNER_USER OWNER_PROJECT MEMBER_USER MEMBER_PROJECT IMAGE_FILE

Both users log in to Keystone at AUTH_URL with their name as password
(domain "default") and find the image service in the catalog. The
owner creates a shared image from IMAGE_FILE and shares it with the
member's project; the member sees it pending, accepts it, lists it and
downloads it; the owner revokes the membership and the member tries
again. Prints one JSON object on stdout describing what each step saw;
an unexpected failure ends the script with a traceback and a non-zero
exit code.
"""

import hashlib
import json
import sys

import openstack
from openstack import exceptions


def connect(auth_url, region, user, project):
    return openstack.connection.Connection(
        auth_type="password",
        auth={
            "auth_url": auth_url,
            "username": user,
            "password": user,
            "project_name": project,
            "user_domain_id": "default",
            "project_domain_id": "default",
        },
        region_name=region,
        interface="public",
        image_api_version="2",
    )


def digests(data):
    return {
        "md5": hashlib.md5(data).hexdigest(),
        "sha512": hashlib.sha512(data).hexdigest(),
        "size": len(data),
    }


def ids(images):
    return sorted(i.id for i in images)


def outcome(call):
    """What a call the member may no longer make came to."""
    try:
        call()
        return "allowed"
    except exceptions.ResourceNotFound as e:
        return "not found: %s" % e.status_code
    except exceptions.HttpException as e:
        return "refused: %s" % e.status_code


def main():
    auth_url, region, owner_user, owner_project, member_user, member_project, path = sys.argv[1:8]
    owner = connect(auth_url, region, owner_user, owner_project)
    member = connect(auth_url, region, member_user, member_project)
    member_id = member.current_project_id
    with open(path, "rb") as f:
        data = f.read()
    out = {"input": digests(data), "member_project": member_id,
           "owner_project": owner.current_project_id}

    image = owner.image.create_image(
        "sdk-shared", data=data, disk_format="raw", container_format="bare",
        visibility="shared", allow_duplicates=True)
    image_id = image.id
    out["image"] = image_id
    created = owner.image.get_image(image_id)
    out["created"] = {"status": created.status, "visibility": created.visibility,
                      "owner": created.owner_id}

    added = owner.image.add_member(image_id, member=member_id)
    out["added_status"] = added.status
    out["owner_members"] = sorted(m.id for m in owner.image.members(image_id))

    out["pending_status"] = member.image.get_member(member_id, image_id).status
    out["pending_listed"] = image_id in ids(member.image.images())
    out["pending_listed_pending"] = image_id in ids(member.image.images(member_status="pending"))

    accepted = member.image.update_member(member_id, image_id, status="accepted")
    out["accepted_status"] = accepted.status
    out["owner_sees_status"] = owner.image.get_member(member_id, image_id).status
    out["accepted_listed"] = image_id in ids(member.image.images())
    out["accepted_listed_accepted"] = image_id in ids(member.image.images(member_status="accepted"))
    out["accepted_listed_pending"] = image_id in ids(member.image.images(member_status="pending"))
    out["member_shown"] = member.image.get_image(image_id).id
    # The SDK checks the bytes against Content-MD5 itself.
    out["downloaded"] = digests(member.image.download_image(image_id).content)

    owner.image.remove_member(member_id, image_id, ignore_missing=False)
    out["owner_members_after"] = sorted(m.id for m in owner.image.members(image_id))
    out["revoked_get"] = outcome(lambda: member.image.get_image(image_id))
    out["revoked_download"] = outcome(lambda: member.image.download_image(image_id))
    out["revoked_member"] = outcome(lambda: member.image.get_member(member_id, image_id))
    out["revoked_listed"] = image_id in ids(member.image.images(member_status="all"))

    owner.image.delete_image(image_id, ignore_missing=False)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
