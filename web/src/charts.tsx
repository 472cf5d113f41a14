import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Series { label: string; color: string; values: number[] }

/**
 * A stacked bar chart (chart.js). The canvas is described for screen readers by its label
 * and the table of totals beside it.
 */
export function StackedBars({ labels, series, label }: { labels: string[]; series: Series[]; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color })) },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: { x: { stacked: true, ticks: { color: '#1f2937' } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0, color: '#1f2937' } } },
        plugins: { legend: { position: 'bottom', labels: { color: '#1f2937' } } },
      },
    });
    return () => chart.destroy();
  }, [labels, series]);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
