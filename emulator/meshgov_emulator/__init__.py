"""meshgov AWS emulator: moto 5.2.5's server app behind WSGI middleware.

moto answers STS, Glue and Lake Formation well enough to show that meshgov sends
the right calls, but not how AWS answers them (see
shared/notes/aws-emulation.md and emulator/README.md). This middleware adds,
modelled on AWS's documented behaviour:

* fault injection per operation (errors in each protocol's wire format, delays),
  through a control API under /_emulator/;
* a log of every AWS call (operation, account, request body, status);
* an ``x-amzn-RequestId`` header on every response;
* Glue ``GetTables``/``GetDatabases`` paging (100 a page, opaque NextToken);
* Lake Formation: the 20-entry batch limit, per-entry batch failures,
  "No permissions revoked", grants compared semantically (normalized),
  ``ListPermissions`` on a table returning its column grants, and data cells
  filters (create/get/update/delete/list) with grants on them;
* Lake Formation's cross-account rules (only the owner shares with other
  accounts; re-grants need the grant option and an accepted share), when the
  ``enforce_ownership`` setting is on, and the RAM shares and invitations that
  cross-account grants create (GetResourceShareInvitations, Accept/Reject);
* an indexed grant store: O(1) per grant or revoke instead of moto's linear
  scan (which also left merged grants under a stale hash), and ListPermissions
  listings kept sorted until the next change, paged by binary search.

Run:  python emulator/meshgov_emulator --host 127.0.0.1 --port 5000
It prints ``meshgov-emulator ready on http://HOST:PORT`` once it accepts
connections (``--port 0`` picks a free port; the line tells which).

One module per concern; the "Layout" section of emulator/README.md lists them.
"""
