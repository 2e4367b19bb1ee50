import { useState } from "react";
import { FOODS, type Food } from "./food";

// Rendered to HTML by the worker and hydrated in the browser: both must
// start from the same initialFood, or hydration throws the page away.
export function App({ initialFood }: { initialFood: Food | null }) {
  const [food, setFood] = useState<Food | null>(initialFood);
  const [error, setError] = useState<string | null>(null);

  const onClick = (name: string) => {
    fetch(`/api/${name}`)
      .then((res) => (res.ok ? (res.json() as Promise<Food>) : Promise.reject(new Error(`/api/${name}: ${res.status}`))))
      .then((data) => {
        setFood(data);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  };

  return (
    <div>
      {food ? (
        <p className="food" id="food">
          name: {food.name}
          <br />
          like: {food.like}
          <br />
          dislike: {food.dislike}
        </p>
      ) : (
        <p className="food" id="food">
          no survey data yet
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      <p>
        {FOODS.map((name) => (
          <button key={name} type="button" id={`show-${name}`} onClick={() => onClick(name)}>
            {name}
          </button>
        ))}
      </p>
    </div>
  );
}
