"""Imports from the web: upload, preview, confirm or cancel, progress, reports; history and revert."""

from __future__ import annotations

import threading

from flask import Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from carte.ingest import jobs as imports
from carte.ingest.guard import FileLimits
from carte.staff import history
from carte.web.admin import blueprint
from carte.web.admin.auth import admin_required, connection, current_user, login_required
from carte.web.session import get_engine, get_session


def start(job_id: int, dry_run: bool) -> None:
    """Run the job outside the request (a thread), or inline when the app is configured so (tests)."""
    if current_app.config.get("IMPORT_RUNNER") == "inline":
        imports.JobRunner(get_engine(), current_app.config, work=connection()).run(job_id, dry_run)
        return
    runner = imports.JobRunner(get_engine(), dict(current_app.config))
    threading.Thread(target=runner.run, args=(job_id, dry_run), daemon=True, name=f"import-{job_id}").start()


def may_confirm(job: dict) -> bool:
    """Admins confirm anything; editors only imports that stay within their MRCs."""
    user = current_user()
    return user.is_admin or set(job["mrc_codes"]) <= set(user.mrc_codes)


@blueprint.get("/imports")
@login_required
def imports_page():
    """Upload form, web imports in progress or done, and the history of every import."""
    return render_template(
        "admin/imports.html",
        jobs=imports.list_jobs(connection()),
        batches=history.import_batches(connection()),
        max_mb=current_app.config["MAX_UPLOAD_MB"],
    )


@blueprint.post("/imports")
@login_required
def upload():
    """Keep the uploaded file and start its preview (a dry run of the same ingest as the CLI)."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash(_("Choisissez un fichier .csv ou .xlsx."))
        return redirect(url_for("admin.imports_page"))
    job_id = imports.create_job(
        connection(),
        current_user().actor,
        sent.filename,
        sent.read(),
        request.form.get("source", ""),
        request.form.get("unpublish_missing") == "on",
        FileLimits.from_config(current_app.config),
    )
    get_session().commit()
    start(job_id, dry_run=True)
    get_session().commit()
    return redirect(url_for("admin.import_job", job_id=job_id))


@blueprint.get("/imports/travaux/<int:job_id>")
@login_required
def import_job(job_id: int):
    """A job's progress, then its preview with the confirm and cancel buttons, then its result."""
    job = imports.get_job(connection(), job_id)
    return render_template("admin/import_job.html", job=job, may_confirm=may_confirm(job))


@blueprint.get("/imports/travaux/<int:job_id>.json")
@login_required
def import_job_status(job_id: int):
    """The job's status and progress, polled by the page."""
    job = imports.get_job(connection(), job_id)
    return jsonify({key: job[key] for key in ("status", "phase", "done", "total", "error")})


@blueprint.post("/imports/travaux/<int:job_id>/confirmer")
@login_required
def import_confirm(job_id: int):
    """Apply the previewed import."""
    job = imports.get_job(connection(), job_id)
    imports.start_confirmed(connection(), job_id, may_confirm(job))
    get_session().commit()
    start(job_id, dry_run=False)
    get_session().commit()
    return redirect(url_for("admin.import_job", job_id=job_id))


@blueprint.post("/imports/travaux/<int:job_id>/annuler")
@login_required
def import_cancel(job_id: int):
    """Drop a previewed import; nothing was changed."""
    imports.cancel(connection(), job_id)
    get_session().commit()
    flash(_("Import annulé : rien n'a été modifié."))
    return redirect(url_for("admin.imports_page"))


@blueprint.get("/imports/travaux/<int:job_id>/rapport.csv")
@login_required
def import_report(job_id: int) -> Response:
    """The per-row report of a finished import, for a spreadsheet."""
    report = imports.job_report(connection(), job_id)
    return Response(
        "\ufeff" + report,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="rapport-import-{job_id}.csv"'},
    )


@blueprint.post("/imports/<int:batch_id>/annuler")
@admin_required
def revert(batch_id: int):
    """Undo an import: old values restored, created enterprises unpublished, later edits kept."""
    result = history.revert_import(connection(), batch_id, current_user().actor)
    get_session().commit()
    flash(
        _(
            "Import n° %(id)d annulé : %(restored)d fiches rétablies, %(hidden)d masquées, "
            "%(conflicts)d champs modifiés depuis laissés tels quels.",
            id=batch_id,
            restored=result.restored,
            hidden=result.unpublished,
            conflicts=result.conflicts,
        )
    )
    return redirect(url_for("admin.imports_page"))
