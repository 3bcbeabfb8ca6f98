// Once this browser has joined a class (its token kept by the join page), the Scoreboard link goes to that
// class's page and its boards, not back to the join form.
const link = document.querySelector("#nav-scoreboard");
const token = localStorage.getItem("neuronlab-student-token");
if (link && token) {
  fetch("/api/class/me", { headers: { Authorization: `Bearer ${token}` } })
    .then((r) => (r.ok ? r.json() : null))
    .then((me) => { if (me && me.class_id) link.href = `/class/${me.class_id}`; })
    .catch(() => {});
}
