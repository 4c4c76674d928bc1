// Badge PDF page: poll the job's status and show progress; reload once it has finished, so the
// server renders the download link. Without JavaScript the page refreshes itself (<noscript>).
(function () {
  var box = document.getElementById("badge-job");
  if (!box || box.dataset.finished === "yes") return;
  var text = document.getElementById("job-progress-text");
  var bar = document.getElementById("job-progress");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed" || job.status === "stalled") {
          window.location.reload();
          return;
        }
        if (bar) { bar.max = job.total; bar.value = job.done; bar.textContent = job.percent + "%"; }
        if (text && job.status === "running") {
          text.textContent = "Made " + job.done + " of " + job.total + " badges (" + job.percent + "%)…";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
