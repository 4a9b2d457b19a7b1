// A chart.js chart as a Preact component (only the controllers the dashboard uses are
// registered, to keep the bundle small). Each chart has a text alternative: `label` names it
// for screen readers, and callers render the same numbers in a table beside it.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement,
               PointElement, Legend, Tooltip);

// Colour-blind-safe palette (Okabe–Ito), dark enough on white.
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export function ChartView({ type = 'bar', labels, datasets, stacked = false, label, id, unit, zero = true }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    const data = {
      labels,
      datasets: datasets.map((d, i) => ({
        backgroundColor: PALETTE[i % PALETTE.length],
        borderColor: PALETTE[i % PALETTE.length],
        ...d,
      })),
    };
    if (!chart.current) {
      chart.current = new Chart(canvas.current, {
        type,
        data,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            x: { stacked },
            y: { stacked, beginAtZero: zero, title: { display: !!unit, text: unit } },
          },
          plugins: { legend: { position: 'bottom' } },
        },
      });
    } else {
      chart.current.data = data;
      chart.current.update();
    }
  }, [JSON.stringify(labels), JSON.stringify(datasets)]);
  useEffect(() => () => chart.current && chart.current.destroy(), []);
  return (
    <div class="chart" id={id}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
