// Polls a running import's status and updates its progress bar; reloads the page when it is over.
const box = document.getElementById("job-progress");

async function poll() {
  const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const job = await response.json();
  const bar = document.getElementById("progress");
  bar.max = Math.max(job.total, 1);
  bar.value = job.done;
  bar.textContent = `${job.done} / ${job.total}`;
  document.getElementById("phase").textContent = job.phase || "";
  if (job.status === "previewing" || job.status === "running") {
    setTimeout(poll, 700);
  } else {
    window.location.assign(box.dataset.pageUrl);
  }
}

if (box) setTimeout(poll, 500);
