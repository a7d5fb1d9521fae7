// The survey results' charts: each <canvas data-chart="id"> reads its numbers from the
// <script type="application/json" id="id"> that json_script wrote (data, never run), so the strict
// CSP needs no inline script. The same numbers are in the table under each chart.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") return;
  const accent = "#0b5c73";
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const histogram = data.type === "histogram";
    canvas.chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: accent,
          // A histogram's bars touch: they are ranges of one scale.
          barPercentage: histogram ? 1 : 0.8,
          categoryPercentage: histogram ? 1 : 0.8,
        }],
      },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { [data.horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    canvas.dataset.drawn = "1";
  });
});
